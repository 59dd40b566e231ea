/* receiver.h - what mdump does with what arrives, free of sockets so tests
 * and fuzzers can drive it: the dump in the chosen form, then the meaning
 * of the bytes (an 'echo' to print, a 'stat' to report on, a message to
 * count and, with -v, whose sequence number to check).
 *
 * UDP hands over whole datagrams. TCP is a byte stream whose reads split
 * and merge what msend sent, so there the bytes are scanned for the texts
 * msend writes (lib/wire.h): "echo ...<NUL>", "stat <count>" and
 * "Message <n>"; each "Message " counts as one message received. */
#ifndef MTOOLS_RECEIVER_H
#define MTOOLS_RECEIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/out.h"

/* Longest echo text kept from a TCP stream; more is cut. */
enum { RECEIVER_ECHO_MAX = 4096 };

/* What is shown of each datagram or read, and what is checked. */
typedef struct receiver_config {
    int quiet_level;   /* 0 the full dump, 1 a line each, 2 nothing */
    int compact_bytes; /* > 0: a line each showing at most this many bytes */
    bool verify_seq;   /* check the sequence numbers of "Message <n>" */
    bool exit_on_stat; /* a valid 'stat' ends the run */
} receiver_config;

typedef enum {
    SCAN_DATA, /* between the texts below */
    SCAN_ECHO, /* after WIRE_ECHO, up to the NUL */
    SCAN_STAT, /* after WIRE_STAT, reading the count */
    SCAN_SEQ   /* after WIRE_MESSAGE, reading the hex number (-v) */
} scan_state;

/* The texts a TCP stream is scanned for: WIRE_MESSAGE, WIRE_ECHO and
 * WIRE_STAT (lib/wire.h). */
enum { RECEIVER_MARKERS = 3 };

typedef struct receiver {
    out *o;
    int quiet_level;
    int compact_bytes;
    bool verify_seq;
    bool exit_on_stat;
    uint64_t received;     /* messages since the last echo or stat */
    uint64_t expected_seq; /* -v */
    bool loss_seen;        /* a 'stat' reported fewer received than sent */
    uint64_t messages_total; /* every message counted, never reset */
    /* TCP stream scanning */
    scan_state state;
    uint8_t matched[RECEIVER_MARKERS]; /* bytes matched of each marker text */
    char token[RECEIVER_ECHO_MAX];
    size_t token_len;
    bool token_overflow;
} receiver;

void receiver_init(receiver *r, const receiver_config *c, out *o);

/* Each returns true when mdump should exit (a 'stat' seen with -s). */
bool receiver_datagram(receiver *r, const uint8_t *data, size_t len,
                       const char *hms, const char *peer);
bool receiver_stream(receiver *r, const uint8_t *data, size_t len,
                     const char *hms, const char *peer);
/* The peer closed: finishes a 'stat' whose count ran to the end. */
bool receiver_stream_end(receiver *r);

#endif
