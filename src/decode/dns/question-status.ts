import type { WeirdName } from '../weirds.js';

/**
 * Outcome of decodeQuestion (DnsQuestion.status): the first fatal problem
 * met, in the order the bytes are read. Numbers, so the hot path compares
 * integers; QUESTION_WEIRD names each one for the weird counters.
 */
export const QS_OK = 0;
/** The message itself is shorter than the 12-byte header (RFC 1035 4.1.1). */
export const QS_MESSAGE_TOO_SHORT = 1;
/** QDCOUNT is 0: nothing to decode (answers are still walked). */
export const QS_NO_QUESTION = 2;
/** The message ends before QNAME, QTYPE and QCLASS are complete. */
export const QS_QUESTION_TRUNCATED = 3;
/**
 * The kept bytes end before the question does, but the message is longer
 * than what was kept (snaplen, a first IP fragment, the 512-byte cap): not
 * malformed, only not seen. The flow stage already flags such samples
 * `truncated`, so this has no weird of its own.
 */
export const QS_QUESTION_NOT_KEPT = 4;
/** A pointer to itself or into the span of bytes already read for this name (RFC 1035 4.1.4: pointers name a prior occurrence). */
export const QS_POINTER_LOOP = 5;
/** A pointer past every byte read so far for this name (RFC 1035 4.1.4: "a prior occurrence"; Zeek and Wireshark reject it). */
export const QS_FORWARD_POINTER = 6;
/** A pointer to an offset at or past the end of the message. */
export const QS_POINTER_OUT_OF_RANGE = 7;
/** A length byte 64..191: over 63 (RFC 1035 2.3.4) or the reserved 0x40/0x80 label types (RFC 6891 9 retired extended labels). */
export const QS_LABEL_TOO_LONG = 8;
/** The expanded name is over 255 bytes in wire form (RFC 1035 2.3.4, 3.1). */
export const QS_NAME_TOO_LONG = 9;
/** More than MAX_LABELS labels. */
export const QS_TOO_MANY_LABELS = 10;

/** Weird to count per status; null where there is none to count (QS_OK, QS_QUESTION_NOT_KEPT). Indexed by status. */
export const QUESTION_WEIRD: ReadonlyArray<WeirdName | null> = [
  null,
  'dns_message_too_short',
  'dns_no_question',
  'dns_question_truncated',
  null,
  'dns_name_pointer_loop',
  'dns_name_forward_pointer',
  'dns_name_pointer_out_of_range',
  'dns_label_too_long',
  'dns_name_too_long',
  'dns_too_many_labels',
];

/** Answer walk outcome (DnsQuestion.answerStatus); not fatal to the question. */
export const AS_OK = 0;
/** The message ends inside the questions after the first or inside an answer RR (counts claim more than there is). */
export const AS_TRUNCATED = 1;
/** An owner name (or a later question's name) breaks a label, length or pointer rule. */
export const AS_MALFORMED = 2;

export const ANSWER_WEIRD: ReadonlyArray<WeirdName | null> = [null, 'dns_answer_truncated', 'dns_answer_malformed'];

/** Counted once per message whose QNAME has a byte >= 0x80 or < 0x21 (DnsQuestion.nonAscii > 0); not fatal. */
export const NON_ASCII_WEIRD: WeirdName = 'dns_name_non_ascii';
