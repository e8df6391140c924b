/**
 * A WebGPU adapter on a machine with no GPU: Chromium's own Vulkan loader and its SwiftShader driver, which Debian's
 * `chromium` package (the one the browser tests use, installed by .ci/run) ships in /usr/lib/chromium. onnxruntime's
 * WebGPU provider (Dawn over Vulkan) finds it when a process starts with this environment. It runs the shaders on
 * the CPU, slowly: for correctness on the tiny model only.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

const CHROMIUM_LIB = '/usr/lib/chromium';

/**
 * The environment for a child process whose WebGPU provider should find SwiftShader. Like the browser tests:
 * without Chromium, null locally (the caller skips, with a warning) and an error in CI.
 */
export function softwareWebGpuEnv(): NodeJS.ProcessEnv | null {
  const icd = path.join(CHROMIUM_LIB, 'vk_swiftshader_icd.json');
  if (!existsSync(icd) || !existsSync(path.join(CHROMIUM_LIB, 'libvulkan.so.1'))) {
    const missing = `no SwiftShader in ${CHROMIUM_LIB} — apt-get install chromium`;
    if (process.env.CI) throw new Error(`Chromium's SwiftShader is required in CI (${missing}).`);
    console.warn(`WebGPU tests skipped: ${missing}`);
    return null;
  }
  return {
    ...process.env,
    VK_DRIVER_FILES: icd,
    // The name older Vulkan loaders read.
    VK_ICD_FILENAMES: icd,
    LD_LIBRARY_PATH: [CHROMIUM_LIB, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
  };
}
