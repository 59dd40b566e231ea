/* sender.h - what msend does once its socket is open: for each test the
 * echo datagram, the bursts of messages on a fixed schedule (burst k
 * starts k * p ms after the first whatever the sending costs, so n bursts
 * take (n - 1) * p ms and the last one's sending) and the 'stat'; and
 * what it does when a send fails.
 *
 * It prints nothing: it tells the program what happens through events
 * (sender_report_fn) and keeps counts (sender_counts), and the program
 * turns them into text. It sends and keeps time through sender_io, which
 * sender_socket_io() fills from the socket layer and the system clock, and
 * tests fill with fakes. The wire texts are lib/wire.h's. */
#ifndef MTOOLS_SENDER_H
#define MTOOLS_SENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/sock.h"
#include "lib/sock_batch.h"

/* What a test sends, and how. */
typedef struct sender_config {
    int burst_count;        /* messages per burst, at least 1 */
    long long num_bursts;   /* 0: until stopped */
    int pause_ms;           /* from one burst's start to the next */
    int stat_pause_ms;      /* before the 'stat'; 0: no 'stat' */
    int msg_len;            /* 0: the "Message <k>" text's own length */
    bool decimal;           /* <k> in decimal, else in hex */
    const uint8_t *payload; /* every message, when payload_len > 0 */
    size_t payload_len;
    bool stream;            /* TCP: one byte stream, no datagrams */
    bool bursts_unseen;     /* nothing is shown per burst, so unpaced
                               bursts may go as one stream of messages */
    /* > 0: an even rate (msend --rate): message k of a test goes at
     * rate_due_us(start, rate, k) (measure/rate.h), what is due sent in
     * one batch; the bursts only group the messages (their events) and
     * pause_ms is not used. 0: bursts every pause_ms. Either schedule is
     * caught up to RATE_CATCH_UP_US behind, and beyond it moved on
     * (rate_move_on, rate_move_on_spaced). */
    double rate_msgs_per_s;
    /* > 0: SENDER_INTERVAL every this long, from the first message on. */
    int64_t interval_us;
    bool timestamp;         /* each message carries its send time after the
                               text (lib/wire.h); needs msg_len's room,
                               sender_timestamp_len */
    /* Each datagram in a send call of its own, as the old msend sent them
     * (datagrams only: a stream is still written a chunk at a time). The
     * standard tests (-1 .. -5) send so: their bursts then leave no denser
     * than the old tool's on the same host, and their loss means what it
     * meant. Not with rate_msgs_per_s, whose schedule sets the density. */
    bool call_per_datagram;
} sender_config;

/* How a failed send is to be taken, as iperf tells a soft error from a
 * hard one. */
typedef enum {
    SEND_ERROR_REFUSED,  /* ICMP port unreachable for an earlier datagram */
    SEND_ERROR_FILTERED, /* this host's firewall dropped the datagram */
    SEND_ERROR_BUSY,     /* a full queue (ENOBUFS, EAGAIN): again shortly */
    SEND_ERROR_PATH,     /* no route, the source address gone, the link
                            down, an ICMP error: may heal */
    SEND_ERROR_FATAL     /* anything else: cannot heal */
} send_error_class;

/* Where the sender's datagrams go and where its time comes from. */
typedef struct sender_io {
    void *ctx;
    /* Datagrams from lens[0] on (count >= 1): how many went (>= 1), or
     * -1 (then error_class and error_text tell why). */
    long (*send_datagrams)(void *ctx, const uint8_t *data, const uint32_t *lens,
                           size_t count);
    /* Bytes on a stream, waiting for room at most timeout_ms (< 0: until
     * all of them went): how many went (0 to len), or -1. */
    long (*send_stream)(void *ctx, const uint8_t *data, size_t len, int timeout_ms);
    /* After a path error: connect again (a new route, a new source
     * address). 0, or -1. */
    int (*reconnect)(void *ctx);
    send_error_class (*error_class)(void *ctx);
    const char *(*error_text)(void *ctx);
    int64_t (*now_us)(void *ctx);                  /* a clock that never jumps */
    void (*sleep_ms)(void *ctx, int64_t ms);
    void (*sleep_until_us)(void *ctx, int64_t deadline_us);
    /* Sleeps until about deadline_us, maybe a little late, without
     * spinning: the waits of a rate whose messages are closer together
     * than SENDER_NAP_SPACING_US (NULL: sleep_until_us). */
    void (*nap_until_us)(void *ctx, int64_t deadline_us);
    /* The wall clock, for the send times of --timestamp (may be NULL
     * without it). */
    int64_t (*wall_us)(void *ctx);
    /* Whether to stop at once (Ctrl-C); NULL: never asked. When set, the
     * pauses are waited in slices of at most SENDER_STOP_SLICE_US. */
    bool (*stopped)(void *ctx);
} sender_io;

enum { SENDER_STOP_SLICE_US = 100000 };
/* Messages closer together than SENDER_NAP_SPACING_US are not waited for
 * one by one with a spin: the sender naps at least SENDER_NAP_US at a
 * time and sends all that are due when it wakes. The rate stays exact;
 * they leave in groups (10 at 100k/s), none much more than SENDER_NAP_US
 * late, and a group of equal datagrams is one system call and, with
 * UDP_SEGMENT, one pass through the kernel's stack. */
enum { SENDER_NAP_SPACING_US = 200, SENDER_NAP_US = 100 };

typedef enum {
    SENDER_TEST_BEGIN,     /* a test starts, before its echo */
    SENDER_ECHO_SENT,      /* the echo went; the settling pause follows */
    SENDER_BURST_WAIT,     /* before the pause until the next burst:
                              wait_us, how long until it is due */
    SENDER_BURST_BEGIN,    /* a burst starts; message_bytes: its first
                              message's length */
    SENDER_BURST_END,
    SENDER_MESSAGES_SENT,  /* the bursts went, or a stop or a failure cut them
                              short (or came before them, in the echo or
                              its pause: all 0): messages, bytes, seconds */
    SENDER_STAT_PAUSE,     /* before the pause before the 'stat' */
    SENDER_STAT_SEND,      /* the 'stat' is about to go */
    SENDER_TEST_END,       /* messages: the test's count */
    SENDER_FIRST_REFUSED,  /* the first 'port unreachable' */
    SENDER_FIRST_FILTERED, /* the first datagram the firewall dropped;
                              reason */
    SENDER_PATH_TROUBLE,   /* the path failed for the first time; reason */
    SENDER_INTERVAL,       /* an interval ended: start_s to seconds (on the
                              interval clock, from the first message),
                              its messages and their bytes */
    SENDER_SCHEDULE_MOVED  /* the sender fell more than RATE_CATCH_UP_US
                              behind its schedule (measure/rate.h) and moved
                              it on instead of catching up in one burst:
                              seconds, how far; messages, how many it moved
                              on by. Told once it is on schedule again (or
                              the sending ends): moves in a row, as by a
                              sender that cannot keep up, are one, added up */
} sender_event_kind;

typedef struct sender_event {
    sender_event_kind kind;
    size_t message_bytes;
    unsigned long long messages;
    unsigned long long bytes;
    double seconds;     /* SENDER_MESSAGES_SENT: from the first message's
                           send to the end of the last's (0 for fewer than
                           two); SENDER_INTERVAL: the interval's end */
    double start_s;     /* SENDER_INTERVAL: its start */
    const char *reason; /* the system's text of the error */
    int64_t wait_us;    /* SENDER_BURST_WAIT: microseconds until the next
                           burst is due, 0 when it is due now */
} sender_event;

/* The program's handler: 0 to go on, or a status (> 0) that ends the
 * test at once (msend: the reader of stdout has gone). */
typedef int sender_report_fn(void *ctx, const sender_event *e);

/* What could not be sent, and why. The receiver's 'stat' counts
 * messages only: a lost echo or stat is what explains a silent one. */
typedef struct sender_counts {
    unsigned long long messages; /* of every test, sent or not (not a
                                    message that a stop cut short) */
    unsigned long long bytes;    /* that the socket took, echoes and stats
                                    too: not those of a datagram not sent;
                                    on a stream every byte written, the part
                                    of a message a stop cut short included */
    unsigned long long message_bytes; /* the messages' bytes alone, so taken */
    unsigned long long refused;  /* sends answered by 'port unreachable' */
    unsigned long long filtered; /* datagrams this host's firewall dropped */
    unsigned long long unsent_echoes, unsent_messages, unsent_stats;
    char trouble[96];            /* why the path first failed; "" if never */
    char failure[96];            /* why the last send failed for good */
} sender_counts;

/* Messages are built end to end in a chunk and handed to sender_io
 * together: many datagrams per system call, one write per chunk on TCP. */
enum { SENDER_CHUNK_BYTES = 256 * 1024, SENDER_CHUNK_MESSAGES = 4096 };
/* With send times: a chunk is stamped as it is built, so it is kept to
 * what one system call sends (sock_batch.h's SOCK_BATCH). */
enum { SENDER_STAMPED_CHUNK_MESSAGES = 64 };

typedef struct sender {
    sender_config config;
    sender_io io;
    sender_report_fn *report;
    void *report_ctx;
    bool connected;        /* datagrams: false after a failed reconnect */
    uint8_t *chunk;
    size_t chunk_messages; /* how many messages a chunk holds */
    uint32_t lens[SENDER_CHUNK_MESSAGES];
    sender_counts counts;
    /* the interval clock (config.interval_us) */
    bool intervals_begun;
    int64_t interval_origin_us;  /* the first message's time */
    int64_t interval_start_us;   /* of the interval under way */
    unsigned long long interval_messages, interval_bytes; /* at its start */
    /* the schedule's moves not yet told (SENDER_SCHEDULE_MOVED) */
    int64_t moved_us;
    unsigned long long moved_messages;
    int64_t last_sent_us;  /* when the test's last message went so far */
    int64_t schedule_end_us; /* the end of the last test's schedule: its last
                                message's slot (0: a stop or a failure ended it) */
} sender;

/* 0, or -1 when out of memory. c->payload must outlive the sender. */
int sender_init(sender *snd, const sender_config *c, const sender_io *io,
                sender_report_fn *report, void *report_ctx);
void sender_free(sender *snd);

/* sender_run_test's results besides 0 (it ran) and a report's status. */
enum {
    SENDER_FAILED = -1, /* a send failed for good; counts.failure */
    SENDER_STOPPED = -2 /* io.stopped said so */
};

/* One test: the echo (its text without the NUL, which it carries), the
 * bursts, the 'stat'. Datagrams that could not be sent are counted and
 * the schedule goes on (see sender.c for each kind of failure). */
int sender_run_test(sender *snd, const char *echo, size_t echo_len);
/* After the last test: the interval under way, when messages went in it
 * (SENDER_INTERVAL): up to now, or up to the end of the last message's
 * slot on the schedule (the next one's due time, within the interval)
 * when that is later. 0 or a report's status. */
int sender_finish(sender *snd);

/* Message k, at out: "Message <k>", then with msg_len a NUL and zeros to
 * that length (the text cut at it when longer); or the payload. The
 * length. out holds sender_message_len(c, k). */
size_t sender_message(const sender_config *c, uint8_t *out, unsigned long long k);
size_t sender_message_len(const sender_config *c, unsigned long long k);
/* Message k with config.timestamp: after the text's NUL, "ts <sent_us>"
 * and a NUL, within msg_len (cut there if it is short). */
size_t sender_message_stamped(const sender_config *c, uint8_t *out, unsigned long long k,
                              int64_t sent_us);
/* The shortest msg_len that holds message k's text, its NUL and a send
 * time of any size (WIRE_TIMESTAMP and WIRE_TIMESTAMP_DIGITS_MAX digits):
 * with k the last message's number, what --timestamp needs. */
size_t sender_timestamp_len(const sender_config *c, unsigned long long k);
/* "stat <count>" (the count in decimal), without a NUL. */
enum { SENDER_STAT_TEXT_MAX = 32 }; /* WIRE_STAT and 20 digits fit */
size_t sender_stat_text(char out[SENDER_STAT_TEXT_MAX], unsigned long long count);
/* The echo datagram's text for an Equiv line, without its NUL: for a
 * preset (1-5) "echo test <k>, sender equiv cmd <equiv>", else "echo
 * sender equiv cmd: <equiv>". The whole length, cut at cap like snprintf
 * (buf may be NULL with cap 0). */
size_t sender_echo_text(int preset, const char *equiv, char *buf, size_t cap);

/* ---- On a socket: the sender_io of a connected socket s to dest (a
 * datagram one, or with stream a TCP one), the system's clock. */
typedef struct sender_socket {
    sock_t s;
    sock_sender tx;
    sock_addr dest;
} sender_socket;

void sender_socket_io(sender_socket *ss, sock_t s, const sock_addr *dest, sender_io *io);

#endif
