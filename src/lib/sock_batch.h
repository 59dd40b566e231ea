/* sock_batch.h - many datagrams per system call, where the system can
 * (sock_batch.c: Linux's sendmmsg, UDP_SEGMENT, recvmmsg and UDP_GRO,
 * each probed at run time with its fallback), and one per call elsewhere.
 * The bytes on the wire and what the receiver is handed are the same
 * either way; only the number of system calls differs. */
#ifndef MTOOLS_SOCK_BATCH_H
#define MTOOLS_SOCK_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/sock.h"

/* ---- Sending.
 *
 * The datagrams lie end to end in one buffer with their lengths in
 * lens[]. On Linux one sendmmsg carries up to SOCK_BATCH of them, and a
 * run of equal lengths of small datagrams goes as one UDP "super-datagram"
 * that the kernel cuts (UDP_SEGMENT), when it can; the bytes on the wire
 * are the same.
 * Elsewhere, and where the system refuses sendmmsg or UDP_SEGMENT at run
 * time (ENOSYS, EINVAL, EOPNOTSUPP, EPERM: an old kernel, a seccomp filter,
 * WSL 1), one send per datagram: every datagram still goes. */
enum { SOCK_BATCH = 64 };

typedef struct sock_sender {
    sock_t s;
    bool batch;           /* sendmmsg works here */
    bool segment;         /* UDP_SEGMENT works here */
    size_t segment_max;   /* longest datagram it has worked for */
} sock_sender;

void sock_sender_init(sock_sender *tx, sock_t s);
/* Sends datagrams from lens[0] on; returns how many went (at least 1), or
 * -1 with the reason in sock_error_*. */
long sock_send_datagrams(sock_sender *tx, const uint8_t *data,
                         const uint32_t *lens, size_t count);

/* ---- Receiving.
 *
 * On Linux recvmmsg fills several buffers per call, and with
 * UDP_GRO the kernel hands over runs of same-size datagrams from one sender
 * coalesced, which are cut again here. Elsewhere, and where the system
 * refuses recvmmsg or UDP_GRO at run time, one datagram per call. */
enum { SOCK_RX_SLOTS = 16, SOCK_RX_SLOT_BYTES = 65536 };

typedef struct sock_dgram {
    const uint8_t *data;
    size_t len;
    int slot; /* which sender address (sock_receiver.from[slot]) */
    /* When the system took it in, on the wall clock, in microseconds
     * (sock_receiver_stamp_arrivals); 0: not known. */
    int64_t arrival_wall_us;
} sock_dgram;

typedef struct sock_receiver {
    sock_t s;
    sock_arrivals only;  /* from sock_receive_only(); zero: take all */
    bool batch;          /* recvmmsg works here */
    bool coalesce;       /* UDP_GRO on */
    bool buf_shared;     /* buf is another receiver's (not freed here) */
    bool stamped;        /* the kernel stamps each arrival (SO_TIMESTAMPNS) */
    bool anonymous;      /* senders not asked for (sock_receiver_skip_senders) */
    bool drained;        /* the last call emptied the socket */
    int slots;           /* datagrams (or coalesced runs) per call */
    void *headers;       /* the system's per-call headers, kept filled */
    uint8_t *buf;        /* SOCK_RX_SLOTS * SOCK_RX_SLOT_BYTES */
    sock_addr from[SOCK_RX_SLOTS];
    sock_dgram *dgrams;  /* what the last call received, in order */
    size_t count;
    size_t capacity;     /* of dgrams; grows for long coalesced runs */
} sock_receiver;

/* one_by_one: a single datagram per call and no coalescing, so that each
 * is taken from the socket when it is handled (mdump -p: a slow reader
 * whose socket buffer fills as the old tools' did). -1 on failure (out of
 * memory). */
int sock_receiver_init(sock_receiver *rx, sock_t s, bool one_by_one);
void sock_receiver_free(sock_receiver *rx);
/* A receiver for another socket s that reads into owner's buffer (1 MiB)
 * instead of its own: for a program that reads several sockets one after
 * the other and is done with each batch before reading the next. owner
 * must outlive it. -1 on failure (out of memory). */
int sock_receiver_init_sharing(sock_receiver *rx, sock_t s, bool one_by_one,
                               const sock_receiver *owner);
/* Asks the system to stamp each datagram with the time it came in
 * (Linux: SO_TIMESTAMPNS), so that a receiver that reads late still knows
 * when each arrived (sock_dgram.arrival_wall_us). False where it cannot
 * (Windows, a refusal): the stamps stay 0 and the reader's clock stands
 * in. */
bool sock_receiver_stamp_arrivals(sock_receiver *rx);
/* The senders' addresses are not asked for: rx->from[] stays empty
 * (length 0), and the system skips copying each one out. For a reader
 * that never shows or counts by sender (mdump -Q2 without counts). */
void sock_receiver_skip_senders(sock_receiver *rx);
/* Takes what is waiting without blocking: the number of datagrams now in
 * rx->dgrams, 0 when none is waiting (or all that were are not for this
 * receiver, see sock_receive_only), -1 on error. rx->drained is set when
 * the call took fewer messages than it had room for: the socket was empty
 * then, and the next call would find nothing. */
long sock_recv_datagrams(sock_receiver *rx);
/* As sock_recv_datagrams, but first waits for at least one datagram, with
 * no time limit: on Linux inside the receive call (recvmmsg with
 * MSG_WAITFORONE: one system call per wake-up, not a poll, an empty read
 * and a read). -1 with sock_error_interrupted() when a signal came (Ctrl-C);
 * SOCK_OUTPUT_GONE when stdout is a pipe whose reader has gone (then, and
 * elsewhere than Linux, it waits in sock_wait_readable). s must be a
 * blocking socket. */
long sock_recv_datagrams_wait(sock_receiver *rx);

#endif
