import * as tf from '@tensorflow/tfjs';
import { featureWidth, targetWidth, type FeatureSpec } from '../features/encode.js';

/** Layer sizes: in -> hidden -> bottleneck -> hidden -> targets. */
export interface ArchSpec {
  readonly hidden: number;
  readonly bottleneck: number;
}

export const DEFAULT_ARCH: ArchSpec = Object.freeze({ hidden: 32, bottleneck: 8 });

/**
 * Small dense autoencoder. Inputs are in [0,1] in every encoding, so a
 * sigmoid output fits both bits and scaled bytes. Initializers are seeded so
 * that `dnsae train --seed N` is reproducible on one backend.
 */
export function buildAutoencoder(spec: FeatureSpec, arch: ArchSpec, seed: number): tf.Sequential {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 16 + k });
  return tf.sequential({
    name: 'dnsae_autoencoder',
    layers: [
      tf.layers.dense({ inputShape: [featureWidth(spec)], units: arch.hidden, activation: 'relu', kernelInitializer: init(1), name: 'enc_hidden' }),
      tf.layers.dense({ units: arch.bottleneck, activation: 'relu', kernelInitializer: init(2), name: 'bottleneck' }),
      tf.layers.dense({ units: arch.hidden, activation: 'relu', kernelInitializer: init(3), name: 'dec_hidden' }),
      tf.layers.dense({ units: targetWidth(spec), activation: 'sigmoid', kernelInitializer: init(4), name: 'reconstruction' }),
    ],
  });
}
