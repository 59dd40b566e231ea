/* receiver.h - what mdump does with what arrives, free of sockets so tests
 * and fuzzers can drive it: the dump in the chosen form, then the meaning
 * of the bytes (an 'echo' to print, a 'stat' to report on, a message to
 * count and, with -v, whose sequence number to check).
 *
 * UDP hands over whole datagrams. TCP is a byte stream whose reads split
 * and merge what msend sent, so there the bytes are scanned for the texts
 * msend writes (lib/wire.h): "echo ...<NUL>", "stat <count>" and
 * "Message <n>"; each "Message " counts as one message received.
 *
 * With receiver_track it also keeps counts per stream (measure/flow.h):
 * each sender's messages to the group, their sequence numbers (hex, or
 * decimal when the sender's echo shows -d) and the send times they carry
 * (msend --timestamp). TCP streams get counts only. */
#ifndef MTOOLS_RECEIVER_H
#define MTOOLS_RECEIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/out.h"
#include "measure/flow.h"

/* Longest echo text kept from a TCP stream; more is cut. */
enum { RECEIVER_ECHO_MAX = 4096 };

/* What is shown of each datagram or read, and what is checked. */
typedef struct receiver_config {
    int quiet_level;   /* 0 the full dump, 1 a line each, 2 nothing */
    int compact_bytes; /* > 0: a line each showing at most this many bytes */
    bool verify_seq;   /* check the sequence numbers of "Message <n>" */
    bool exit_on_stat; /* a valid 'stat' ends the run */
    bool json;         /* echo and stat as JSON Lines objects, not text */
} receiver_config;

/* Who sent a datagram (or a TCP read) and when it arrived. */
typedef struct receiver_arrival {
    const sock_addr *from;
    int64_t wall_us; /* on the wall clock: send times are the sender's */
    int64_t mono_us; /* on a clock that never jumps: rates */
} receiver_arrival;

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
    bool json;
    uint64_t received;     /* messages since the last echo or stat */
    uint64_t expected_seq; /* -v */
    bool loss_seen;        /* a 'stat' reported fewer received than sent */
    uint64_t messages_total; /* every message counted, never reset */
    uint64_t message_bytes_total; /* their bytes (datagrams: a TCP stream's
                                     messages are counted, not measured) */
    /* TCP stream scanning */
    scan_state state;
    uint8_t matched[RECEIVER_MARKERS]; /* bytes matched of each marker text */
    char token[RECEIVER_ECHO_MAX];
    size_t token_len;
    bool token_overflow;
    /* counts per stream (receiver_track) */
    flow_table *flows;     /* NULL: none kept */
    sock_addr group;       /* the group received on (or the local address) */
    size_t group_index;
    const char *group_text;
    flow *last_flow;       /* the stream of the last datagram, and its sender */
    sock_addr last_from;
    const receiver_arrival *arrival; /* of the datagram or read: NULL, or
                                        &arrival_kept */
    receiver_arrival arrival_kept;
    sock_addr from_kept;
} receiver;

void receiver_init(receiver *r, const receiver_config *c, out *o);

/* Each returns true when mdump should exit (a 'stat' seen with -s). */
bool receiver_datagram(receiver *r, const uint8_t *data, size_t len,
                       const char *hms, const char *peer);
bool receiver_stream(receiver *r, const uint8_t *data, size_t len,
                     const char *hms, const char *peer);
/* The peer closed: finishes a 'stat' whose count ran to the end. */
bool receiver_stream_end(receiver *r);

/* Keeps counts per stream in flows (shared by the receivers of several
 * groups), for the group `group` (its address; its index and text in the
 * lines). */
void receiver_track(receiver *r, flow_table *flows, const sock_addr *group,
                    size_t group_index, const char *group_text);
/* As receiver_datagram and receiver_stream, with the sender and the time
 * of arrival for the counts per stream (and JSON's echo and stat). */
bool receiver_datagram_from(receiver *r, const uint8_t *data, size_t len,
                            const char *hms, const char *peer,
                            const receiver_arrival *a);
bool receiver_stream_from(receiver *r, const uint8_t *data, size_t len,
                          const char *hms, const char *peer,
                          const receiver_arrival *a);

/* Reads a message: "Message <n>" with n in hex (or decimal), ended by the
 * datagram's end or a NUL; after that NUL, the send time "ts <t>"
 * (lib/wire.h). False when there is no number; *has_sent says whether a
 * send time was read into *sent_us. */
bool receiver_read_message(const uint8_t *data, size_t len, bool decimal, uint64_t *seq,
                           bool *has_sent, int64_t *sent_us);

#endif
