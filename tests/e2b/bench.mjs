// The e2b benchmark's measurements (bench/Wrenn.Bench/E2bBenchmark.cs runs this and summarises):
// each operation through E2B's SDK and, alternating with it, the same operation through Wrenn's
// own API with fetch from this same process, so that the difference is what the E2B surface adds.
// Prints one JSON object per sample: {"op": "...", "surface": "e2b"|"wrenn", "ms": ...}. The code
// interpreter's runs have no Wrenn API twin (Wrenn's SDK speaks Jupyter's own protocol): only E2B's.
import { Sandbox } from 'e2b'
import { Sandbox as CodeSandbox } from '@e2b/code-interpreter'

const wrenn = process.env.WRENN_URL.replace(/\/$/, '')
const key = process.env.WRENN_API_KEY
const rounds = Number(process.env.BENCH_ROUNDS ?? '40')
const lifecycleRounds = Number(process.env.BENCH_LIFECYCLE_ROUNDS ?? '6')

const emit = (op, surface, ms) => console.log(JSON.stringify({ op, surface, ms }))
const timed = async (op, surface, action) => {
  const start = performance.now()
  const result = await action()
  emit(op, surface, performance.now() - start)
  return result
}
const api = async (method, path, body) => {
  const reply = await fetch(`${wrenn}${path}`, {
    method,
    headers: { 'X-API-Key': key, ...(body && !(body instanceof FormData) ? { 'Content-Type': 'application/json' } : {}) },
    body: body instanceof FormData ? body : body ? JSON.stringify(body) : undefined,
  })
  if (!reply.ok) throw new Error(`${method} ${path}: ${reply.status} ${await reply.text()}`)
  return reply.status === 204 ? null : reply.headers.get('content-type')?.includes('json') ? reply.json() : reply.arrayBuffer()
}
const running = async (id) => {
  for (;;) {
    const capsule = await api('GET', `/v1/capsules/${id}`)
    if (capsule.status === 'running') return capsule
    if (!['pending', 'starting'].includes(capsule.status)) throw new Error(`capsule ${id} is ${capsule.status}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const sbx = await Sandbox.create('base', { timeoutMs: 3_600_000 })
const id = sbx.sandboxId
const payload = 'x'.repeat(1024)
// The same work on both sides: E2B runs commands with `bash -l -c` as user, so Wrenn's exec does too.
const exec = { cmd: '/bin/bash', args: ['-l', '-c', 'true'], user: 'user' }
try {
  for (let i = 0; i < 3; i++) {
    await sbx.commands.run('true')
    await api('POST', `/v1/capsules/${id}/exec`, exec)
  }
  for (let i = 0; i < rounds; i++) {
    await timed('run', 'e2b', () => sbx.commands.run('true'))
    await timed('run', 'wrenn', () => api('POST', `/v1/capsules/${id}/exec`, exec))
    await timed('write', 'e2b', () => sbx.files.write('/tmp/bench.txt', payload))
    const form = new FormData()
    form.append('path', '/tmp/bench.txt')
    form.append('file', new Blob([payload]))
    await timed('write', 'wrenn', () => api('POST', `/v1/capsules/${id}/files/write`, form))
    await timed('read', 'e2b', () => sbx.files.read('/tmp/bench.txt'))
    await timed('read', 'wrenn', () => api('POST', `/v1/capsules/${id}/files/read`, { path: '/tmp/bench.txt' }))
    await timed('info', 'e2b', () => sbx.getInfo())
    await timed('info', 'wrenn', () => api('GET', `/v1/capsules/${id}`))
  }

  // Lifecycle operations leave work behind on the host (a deleted VM's teardown, a resumed one's
  // first page faults) that would slow whatever comes next: each is timed after a settling pause,
  // and the two surfaces take turns at going first.
  const settle = () => new Promise((resolve) => setTimeout(resolve, 1000))
  const createE2b = async () => {
    await settle()
    const created = await timed('create', 'e2b', () => Sandbox.create('base', { timeoutMs: 600_000 }))
    await created.kill()
  }
  const createWrenn = async () => {
    await settle()
    const capsule = await timed('create', 'wrenn', async () => running((await api('POST', '/v1/capsules', { template: 'base-python' })).id))
    await api('DELETE', `/v1/capsules/${capsule.id}`)
  }
  const resumeE2b = async () => {
    await sbx.pause()
    await settle()
    await timed('resume', 'e2b', () => Sandbox.connect(id, { timeoutMs: 3_600_000 }))
  }
  const resumeWrenn = async () => {
    await api('POST', `/v1/capsules/${id}/pause`)
    await settle()
    await timed('resume', 'wrenn', async () => running((await api('POST', `/v1/capsules/${id}/resume`)).id))
  }
  for (let i = 0; i < lifecycleRounds; i++) {
    const [first, second] = i % 2 === 0 ? [createE2b, createWrenn] : [createWrenn, createE2b]
    await first()
    await second()
    const [firstResume, secondResume] = i % 2 === 0 ? [resumeE2b, resumeWrenn] : [resumeWrenn, resumeE2b]
    await firstResume()
    await secondResume()
  }
} finally {
  await sbx.kill()
}

// The template's first sandbox builds its snapshot (minutes under emulation).
const interpreter = await CodeSandbox.create({ timeoutMs: 3_600_000, requestTimeoutMs: 900_000 })
try {
  for (let i = 0; i < 3; i++) {
    await interpreter.runCode('1 + 1')
  }
  for (let i = 0; i < rounds; i++) {
    const execution = await timed('run_code', 'e2b', () => interpreter.runCode('1 + 1'))
    if (execution.text !== '2') throw new Error(`runCode gave ${JSON.stringify(execution)}`)
  }
} finally {
  await interpreter.kill()
}
