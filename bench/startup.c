/* startup.c - how long a program takes from its start to its first
 * datagram, on loopback (127.0.0.1, port given).
 *
 *   startup send PORT command [args...]
 *       the command sends to 127.0.0.1:PORT (msend ... 127.0.0.1 PORT):
 *       from just before fork to the first datagram's arrival as the
 *       kernel stamped it (SO_TIMESTAMPNS on the receiving socket here);
 *   startup recv PORT command [args...]
 *       the command receives on PORT and prints a line with " bytes" for
 *       each datagram (mdump -Q1 ...): a datagram is sent to it every
 *       100 us from the start, and the time is from just before fork to
 *       the first such line read from its stdout (a pipe).
 *
 * Prints "startup_us <n>" on stdout; the command is then stopped (SIGTERM).
 * Gives up after 5 s (status 1). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static pid_t run(char **argv, int out_fd)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (out_fd >= 0)
            dup2(out_fd, STDOUT_FILENO);
        execvp(argv[0], argv);
        perror("startup: exec");
        _exit(127);
    }
    return pid;
}

static void stop(pid_t pid)
{
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

static int first_sent(struct sockaddr_in *to, char **argv)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    int on = 1;
    struct timeval limit = {5, 0};
    setsockopt(s, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    if (bind(s, (struct sockaddr *)to, sizeof *to) != 0) {
        perror("startup: bind");
        return 1;
    }
    int64_t t0 = wall_us();
    pid_t pid = run(argv, -1);
    char buf[65536], control[256];
    struct iovec iov = {buf, sizeof buf};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1,
                       .msg_control = control, .msg_controllen = sizeof control};
    ssize_t n = recvmsg(s, &m, 0);
    int64_t arrived = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); n >= 0 && c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
            struct timespec ts;
            memcpy(&ts, CMSG_DATA(c), sizeof ts);
            arrived = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
        }
    }
    stop(pid);
    if (n < 0 || arrived == 0) {
        fprintf(stderr, "startup: no datagram in 5 s\n");
        return 1;
    }
    printf("startup_us %lld\n", (long long)(arrived - t0));
    return 0;
}

static int first_received(struct sockaddr_in *to, char **argv)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    int p[2];
    if (s < 0 || pipe(p) != 0) {
        perror("startup");
        return 1;
    }
    int64_t t0 = wall_us();
    pid_t pid = run(argv, p[1]);
    close(p[1]);
    char line[4096];
    size_t have = 0;
    int64_t next = t0;
    for (;;) {
        int64_t now = wall_us();
        if (now - t0 > 5000000) {
            stop(pid);
            fprintf(stderr, "startup: no line with \" bytes\" in 5 s\n");
            return 1;
        }
        if (now >= next) {
            /* refused until it binds: the ICMP error is harmless here */
            sendto(s, "Message 0", 9, 0, (struct sockaddr *)to, sizeof *to);
            next = now + 100;
        }
        /* Sleeps until the next send (not a spin: the command may share
         * this core). */
        struct pollfd pf = {p[0], POLLIN, 0};
        int64_t wait_us = next - wall_us();
        struct timespec nap = {0, wait_us > 0 ? (long)wait_us * 1000 : 0};
        if (ppoll(&pf, 1, &nap, NULL) > 0) {
            ssize_t n = read(p[0], line + have, sizeof line - 1 - have);
            if (n <= 0) {
                stop(pid);
                fprintf(stderr, "startup: the command's output ended\n");
                return 1;
            }
            have += (size_t)n;
            line[have] = '\0';
            if (strstr(line, " bytes")) {
                int64_t t1 = wall_us();
                stop(pid);
                printf("startup_us %lld\n", (long long)(t1 - t0));
                return 0;
            }
            if (have > sizeof line / 2) { /* keep the tail: a line may straddle */
                memmove(line, line + have - 64, 64);
                have = 64;
            }
        }
    }
}

int main(int argc, char **argv)
{
    if (argc < 4 || (strcmp(argv[1], "send") != 0 && strcmp(argv[1], "recv") != 0)) {
        fprintf(stderr, "usage: startup send|recv PORT command [args...]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return strcmp(argv[1], "send") == 0 ? first_sent(&to, argv + 3)
                                        : first_received(&to, argv + 3);
}
