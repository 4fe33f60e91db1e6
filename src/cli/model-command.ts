import { Command } from 'commander';
import { DEFAULT_MODEL_DIR } from '../scoring/open-scorer.js';
import { runAction } from './run-action.js';

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
  return model;
}
