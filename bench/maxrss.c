/* maxrss.c - runs a command and reports its peak resident memory on
 * stderr ("maxrss_kb <n>"), passing on its exit status. SIGINT and SIGTERM
 * are passed on to the command (so that a harness stopping this process
 * stops the command, which then ends as it would).
 *
 *   maxrss command [args...] */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t child;

static void pass_on(int sig)
{
    if (child > 0)
        kill(child, sig);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: maxrss command [args...]\n");
        return 2;
    }
    struct sigaction sa;
    sa.sa_handler = pass_on;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    pid_t pid = fork();
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        perror("maxrss: exec");
        _exit(127);
    }
    child = pid;
    int status;
    struct rusage usage;
    pid_t done;
    while ((done = wait4(pid, &status, 0, &usage)) < 0 && errno == EINTR)
        continue; /* a signal passed on: the command ends by itself */
    if (pid < 0 || done < 0) {
        perror("maxrss");
        return 2;
    }
    fprintf(stderr, "maxrss_kb %ld\n", usage.ru_maxrss);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
