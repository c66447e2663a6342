import { describe, expect, it } from 'vitest';
import { classify, commandView } from '../../main/core/machine/catalogue';
import { parseModelsConfig } from '../../main/core/machine/config';

const id = (argv: string[], opts?: Parameters<typeof classify>[1]) => {
  const c = classify(argv, opts);
  return c ? `${c.server}/${c.role}` : null;
};

describe('model-server catalogue', () => {
  it.each([
    [['/usr/local/bin/ollama', 'serve'], 'ollama/server'],
    [
      ['ollama', 'runner', '--model', '/root/.ollama/models/blobs/sha256-x', '--port', '41235'],
      'ollama/worker',
    ],
    [['/usr/lib/ollama/ollama_llama_server', '--model', 'x'], 'ollama/worker'],
    [['C:\\Users\\me\\AppData\\Local\\Programs\\Ollama\\ollama.exe', 'serve'], 'ollama/server'],
    [['./llama-server', '-m', 'models/7B/ggml-model.gguf', '--port', '8080'], 'llama.cpp/server'],
    [['/home/me/llama.cpp/build/bin/server', '-m', 'x.gguf'], 'llama.cpp/server'],
    [['/venv/bin/python3', '/venv/bin/vllm', 'serve', 'meta-llama/Llama-3.1-8B'], 'vllm/server'],
    [['python', '-m', 'vllm.entrypoints.openai.api_server', '--model', 'x'], 'vllm/server'],
    [['uv', 'run', 'vllm', 'serve', 'x'], 'vllm/server'],
    [['text-generation-launcher', '--model-id', 'x'], 'tgi/server'],
    [['python3', '-m', 'sglang.launch_server', '--model-path', 'x'], 'sglang/server'],
    [['/Applications/LM Studio.app/Contents/MacOS/LM Studio'], 'lm-studio/server'],
    [['local-ai', 'run'], 'localai/server'],
    [['./koboldcpp-linux-x64-cuda1210', '--model', 'x'], 'koboldcpp/server'],
    [['python', '/home/me/ComfyUI/main.py', '--listen'], 'comfyui/server'],
    [['python3', '/opt/stable-diffusion-webui/launch.py'], 'sd-webui/server'],
    [['whisper-server', '-m', 'ggml-base.en.bin'], 'whisper.cpp/server'],
    [['python', '-m', 'mlx_lm.server', '--model', 'x'], 'mlx-lm/server'],
    [['cortex-server', '--port', '39291'], 'jan/server'],
  ])('recognises %j', (argv, want) => {
    expect(id(argv)).toBe(want);
  });

  it.each([
    [['vim', 'notes-about-ollama.txt']],
    [['vim', 'ollama', 'serve']],
    [['less', 'ollama.md']],
    [['/usr/local/bin/ollama-docs', 'serve']],
    [['python3', '-m', 'http.server', '--directory', '/srv/ollama']],
    [['node', '-e', 'require("ollama")', 'serve']],
    [['ollama', 'list']],
    [['ollama', 'run', 'llama3']],
    [['grep', '-r', 'llama-server', '.']],
    [['bash', '-c', 'ollama serve']],
    [['python', 'main.py']],
    [['/home/me/other/server', '-m', 'x']],
    [['code', '/home/me/ComfyUI/main.py']],
    [['vllm', 'bench']],
  ])('leaves %j alone', (argv) => {
    expect(id(argv)).toBeNull();
  });

  it('sees through interpreters and shebang scripts', () => {
    const v = commandView(['/usr/bin/python3', '-u', '-X', 'utf8', '/venv/bin/vllm', 'serve', 'm']);
    expect(v.base).toBe('vllm');
    expect(v.args).toEqual(['serve', 'm']);
    expect(commandView(['node', '--require', 'x.js', '/tmp/t/ollama', 'serve']).base).toBe('ollama');
    expect(commandView(['python', '-m', 'sglang.launch_server']).module).toBe('sglang.launch_server');
  });

  it('uses user matchers first, and honours builtin: false', () => {
    const cfg = parseModelsConfig({
      matchers: [{ name: 'my-llm', exe: 'serve-llm', cmdline: '--gpu' }],
      builtin: false,
    });
    expect(id(['/opt/bin/serve-llm', '--gpu', '0'], cfg)).toBe('my-llm/server');
    expect(id(['/opt/bin/serve-llm', '--cpu'], cfg)).toBeNull(); // cmdline must match too
    expect(id(['ollama', 'serve'], cfg)).toBeNull(); // catalogue off
    expect(id(['ollama', 'serve'], { ...cfg, builtin: true })).toBe('ollama/server');
  });
});
