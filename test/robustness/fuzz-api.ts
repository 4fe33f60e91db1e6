// The modules the fuzz harness exercises, from src/ (scripts/fuzz/fuzz-api.mjs loads the same from dist/).
import { openCaptureInput } from '../../src/capture/open-capture.js';
import { decodeFrame } from '../../src/decode/decode-frame.js';
import { ANSWER_WEIRD, decodeQuestion, newDnsQuestion, QS_OK, QUESTION_WEIRD } from '../../src/decode/dns/dns-question.js';
import { newDecodedPacket, resetDecodedPacket } from '../../src/decode/packet.js';
import { LINKTYPE_TABLE } from '../../src/decode/tables.js';
import { WeirdCounters } from '../../src/decode/weirds.js';
import { CaptureFileError, ERROR_CODES, ModelError } from '../../src/errors.js';
import { FlowAssembler } from '../../src/flow/flow-assembler.js';
import { selectBackend } from '../../src/model/backend.js';
import { loadModelDir } from '../../src/model/model-dir.js';
import { Pipeline } from '../../src/pipeline.js';
import { ALL_RULES_MASK, checkHeader, DEFAULT_RULES_MASK, RULES } from '../../src/rules/header-rules.js';
import type { FuzzApi } from '../../scripts/fuzz/fuzz-harness.mjs';

export async function srcFuzzApi(): Promise<FuzzApi> {
  await selectBackend('cpu');
  return {
    decodeFrame,
    newDecodedPacket,
    resetDecodedPacket,
    WeirdCounters,
    LINKTYPE_TABLE,
    openCaptureInput,
    CaptureFileError,
    ModelError,
    ERROR_CODES,
    FlowAssembler,
    Pipeline,
    checkHeader,
    RULES,
    ALL_RULES_MASK,
    DEFAULT_RULES_MASK,
    loadModelDir,
    decodeQuestion,
    newDnsQuestion,
    QS_OK,
    QUESTION_WEIRD,
    ANSWER_WEIRD,
  };
}
