export { readSafetensors, writeSafetensors, loadSafetensorsFile, saveSafetensorsFile, halfToFloat, type SafetensorsFile, type SafetensorsDtype } from './safetensors.js';
export { loadPretrained, savePretrained, exportWeights, transpose2d, type Pretrained, type LoadOptions, type SaveOptions } from './pretrained.js';
