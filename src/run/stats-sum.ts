/**
 * One summary from the workers' summaries: numbers add up (every frame is
 * counted by one worker only, see PipelineOptions.share), objects are summed
 * key by key, anything else is taken from the first that has it. `sources`
 * is summed per input by name and position.
 */
export function sumStats(parts: readonly Record<string, unknown>[]): Record<string, unknown> {
  let out: Record<string, unknown> = {};
  for (const p of parts) out = addInto(out, p);
  return out;
}

function addInto(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    if (cur === undefined) out[k] = v;
    else if (typeof cur === 'number' && typeof v === 'number') out[k] = cur + v;
    else if (isRecord(cur) && isRecord(v)) out[k] = addInto(cur, v);
  }
  return out;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Per-input summaries (SourceSummary) of every worker, one per input in input order. */
export function sumSources(perInput: readonly (readonly Record<string, unknown>[])[]): Record<string, unknown>[] {
  return perInput.filter((parts) => parts.length > 0).map((parts) => sumStats(parts));
}
