// The modules the fuzz harness exercises, loaded from a build directory
// (dist/). test/robustness/fuzz-api.ts is the same list from src/.
export async function fuzzApi(base) {
  const [decodeFrame, packet, weirds, tables, openCapture, errors, flow, rules, modelDir, backend, pipeline, question] = await Promise.all([
    import(`${base}decode/decode-frame.js`),
    import(`${base}decode/packet.js`),
    import(`${base}decode/weirds.js`),
    import(`${base}decode/tables.js`),
    import(`${base}capture/open-capture.js`),
    import(`${base}errors.js`),
    import(`${base}flow/flow-assembler.js`),
    import(`${base}rules/header-rules.js`),
    import(`${base}model/model-dir.js`),
    import(`${base}model/backend.js`),
    import(`${base}pipeline.js`),
    import(`${base}decode/dns/dns-question.js`),
  ]);
  await backend.selectBackend('cpu');
  return {
    decodeFrame: decodeFrame.decodeFrame,
    newDecodedPacket: packet.newDecodedPacket,
    resetDecodedPacket: packet.resetDecodedPacket,
    WeirdCounters: weirds.WeirdCounters,
    LINKTYPE_TABLE: tables.LINKTYPE_TABLE,
    openCaptureInput: openCapture.openCaptureInput,
    CaptureFileError: errors.CaptureFileError,
    ModelError: errors.ModelError,
    ERROR_CODES: errors.ERROR_CODES,
    FlowAssembler: flow.FlowAssembler,
    Pipeline: pipeline.Pipeline,
    checkHeader: rules.checkHeader,
    RULES: rules.RULES,
    ALL_RULES_MASK: rules.ALL_RULES_MASK,
    DEFAULT_RULES_MASK: rules.DEFAULT_RULES_MASK,
    loadModelDir: modelDir.loadModelDir,
    decodeQuestion: question.decodeQuestion,
    newDnsQuestion: question.newDnsQuestion,
    QS_OK: question.QS_OK,
    QUESTION_WEIRD: question.QUESTION_WEIRD,
    ANSWER_WEIRD: question.ANSWER_WEIRD,
  };
}
