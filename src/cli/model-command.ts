import { Command } from 'commander';
import { DEFAULT_MODEL_DIR } from '../scoring/open-scorer.js';
import { stageLogger } from '../logger.js';
import { addPipelineOptions, pipelineOptionsFrom, type PipelineCliOptions } from './pipeline-options.js';
import { exitForErrors, runAction } from './run-action.js';

export function modelCommand(): Command {
  const model = new Command('model').description('inspect model directories');
  model
    .command('info')
    .description('validate a model directory and print its metadata as JSON: the header stage, and the question (tunnel) stage when the directory has one')
    .argument('[dir]', 'model directory', DEFAULT_MODEL_DIR)
    .action((dir: string) =>
      runAction(async () => {
        // Loaded on use: tfjs is slow to import and only this command needs it here.
        const { selectBackend } = await import('../model/backend.js');
        const { loadModelDir } = await import('../model/model-dir.js');
        await selectBackend('cpu');
        const loaded = await loadModelDir(dir);
        const layers = loaded.layers.map((l) => `${l.inDim}->${l.outDim} ${l.activation}`);
        const { readQuestionModel } = await import('../model/question/question-model.js');
        const q = await readQuestionModel(dir);
        const question =
          q === undefined ? null : { ...q.meta, layers: q.layers.map((l) => `${l.inDim}->${l.outDim} ${l.activation}`) };
        process.stdout.write(JSON.stringify({ dir, ...loaded.meta, layers, question }, null, 2) + '\n');
      }),
    );
  const diff = model
    .command('diff')
    .description('compare two model directories: threshold, loss quantiles, per-byte error, training data; with --capture, how many of its samples move across the threshold each way')
    .argument('<a>', 'model directory A (e.g. the base)')
    .argument('<b>', 'model directory B (e.g. the adapted model)')
    .option('--capture <file>', 'score this capture with both header autoencoders and count the samples that change side')
    .option('--json', 'print JSON instead of text');
  addPipelineOptions(diff);
  diff.action((a: string, b: string, o: PipelineCliOptions & { capture?: string; json?: boolean }) =>
    runAction(async () => {
      const { diffModels } = await import('../run/model-diff.js');
      const { formatModelDiff, modelDiffJson } = await import('./model-diff-format.js');
      const d = await diffModels(a, b, o.capture, pipelineOptionsFrom(o), stageLogger('model'));
      process.stdout.write((o.json === true ? modelDiffJson(d) : formatModelDiff(d)) + '\n');
      return exitForErrors(d.errors);
    }),
  );
  return model;
}
