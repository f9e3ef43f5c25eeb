/**
 * Pipeline defines shared by the quantized kernels: the type's decoder from shaders/qdecode.wgsl,
 * preprocessed for that type and spliced into the kernel's {{DECODE}} line (WGSL has no include).
 */
import { getShaderSource, preprocessWgsl, type ShaderDefines } from '../../gpu/shader-source.ts';
import { WEIGHT_FORMATS, WEIGHT_TYPES, type WeightType } from './formats.ts';

export function decodeDefines(type: WeightType): ShaderDefines {
  const flags: ShaderDefines = { HAS_SCALES: WEIGHT_FORMATS[type].hasScales };
  for (const name of WEIGHT_TYPES) flags[name] = name === type;
  return { DECODE: preprocessWgsl(getShaderSource('qdecode'), flags, 'qdecode') };
}

/** Bytes a storage binding spans: its explicit size, or the rest of the buffer past its offset. */
export function bindingBytes(binding: GPUBuffer | GPUBufferBinding): number {
  if ('buffer' in binding) return binding.size ?? binding.buffer.size - (binding.offset ?? 0);
  return binding.size;
}
