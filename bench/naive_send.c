/* naive_send.c - the baseline msend is measured against: one sendto() per
 * message on an unconnected socket, as the old tools did. Sends an echo
 * datagram, then count messages "Message <k>" (hex k; with -m N padded with
 * zeros to N bytes), then "stat <count>", and prints its send rate.
 *
 *   naive_send [-m len] count address port */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    int len = 0, first = 1;
    if (argc > 2 && strcmp(argv[1], "-m") == 0) {
        len = atoi(argv[2]);
        first = 3;
    }
    if (argc - first != 3 || len < 0 || len > 65507) {
        fprintf(stderr, "usage: naive_send [-m len] count address port\n");
        return 2;
    }
    long count = atol(argv[first]);
    struct sockaddr_in to = {.sin_family = AF_INET,
                             .sin_port = htons((unsigned short)atoi(argv[first + 2]))};
    if (inet_pton(AF_INET, argv[first + 1], &to.sin_addr) != 1) {
        fprintf(stderr, "naive_send: bad address %s\n", argv[first + 1]);
        return 2;
    }
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    char buf[65536];
    const char echo[] = "echo naive sender";
    sendto(s, echo, sizeof echo, 0, (struct sockaddr *)&to, sizeof to);
    usleep(100000);
    double start = now_s();
    for (long k = 0; k < count; k++) {
        int n = snprintf(buf, sizeof buf, "Message %lx", k);
        if (len > 0) {
            memset(buf + n, 0, (size_t)(len > n ? len - n : 0));
            n = len;
        }
        if (sendto(s, buf, (size_t)n, 0, (struct sockaddr *)&to, sizeof to) < 0) {
            perror("naive_send: sendto");
            return 1;
        }
    }
    double seconds = now_s() - start;
    usleep(300000);
    int n = snprintf(buf, sizeof buf, "stat %ld", count);
    sendto(s, buf, (size_t)n, 0, (struct sockaddr *)&to, sizeof to);
    printf("naive: %ld messages in %.6f s: %.0f messages/s\n", count, seconds,
           (double)count / seconds);
    close(s);
    return 0;
}
