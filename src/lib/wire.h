/* wire.h - the texts of the wire protocol the old mtools speak, which
 * msend writes and mdump reads (over UDP one per datagram; over TCP in a
 * byte stream, found by scanning):
 *
 *   "echo <text>" NUL      first of each test: the sender's Equiv line,
 *                          which the receiver prints; resets its counts
 *   "Message <n>"          a test message; n counts from 0, in hex (or in
 *                          decimal with msend -d); with -m, padded with
 *                          NULs to the length (or cut to it)
 *   "stat <count>"         last, after a pause: how many messages were
 *                          sent (decimal), for the receiver's loss report
 *
 * msend --timestamp writes its send time into each message, after the
 * "Message <n>" text and its NUL: "ts <t>" with t the wall clock's
 * microseconds since the Unix epoch in decimal, then a NUL (or the
 * message's end). The old tools padded with zeros there, so an old
 * message never carries one.
 *
 * Lengths are taken from the texts themselves (sizeof - 1), never typed. */
#ifndef MTOOLS_WIRE_H
#define MTOOLS_WIRE_H

#define WIRE_MESSAGE "Message "
#define WIRE_ECHO "echo "
#define WIRE_STAT "stat "
#define WIRE_TIMESTAMP "ts "
/* The most digits of a send time: an int64_t's. */
enum { WIRE_TIMESTAMP_DIGITS_MAX = 19 };

/* The echo text: WIRE_ECHO_EQUIV and the Equiv line; or, for a preset
 * (-1 .. -5), WIRE_ECHO_TEST, its number, WIRE_ECHO_TEST_EQUIV and the
 * Equiv line. */
#define WIRE_ECHO_EQUIV WIRE_ECHO "sender equiv cmd: "
#define WIRE_ECHO_TEST WIRE_ECHO "test "
#define WIRE_ECHO_TEST_EQUIV ", sender equiv cmd "

enum {
    WIRE_MESSAGE_LEN = sizeof WIRE_MESSAGE - 1,
    WIRE_ECHO_LEN = sizeof WIRE_ECHO - 1,
    WIRE_STAT_LEN = sizeof WIRE_STAT - 1,
    WIRE_TIMESTAMP_LEN = sizeof WIRE_TIMESTAMP - 1
};

#endif
