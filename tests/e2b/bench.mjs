// The e2b benchmark's measurements (bench/Wrenn.Bench/E2bBenchmark.cs runs this and summarises).
// Each operation is timed on three surfaces from this one Node process, taking turns:
//   e2b   — E2B's SDK, what users run;
//   wire  — E2B's protocol sent with fetch exactly as the SDK sends it (same paths, headers and
//           bodies), so that its difference from `wrenn` is what the server's E2B surface adds,
//           without the SDK's own client work;
//   wrenn — the same operation through Wrenn's own API with fetch.
// Prints one JSON object per sample (timed).
// The code interpreter's runs have no Wrenn API twin (Wrenn's SDK speaks Jupyter's own protocol):
// only E2B's.
import { Sandbox } from 'e2b'
import { Sandbox as CodeSandbox } from '@e2b/code-interpreter'

const wrenn = process.env.WRENN_URL.replace(/\/$/, '')
const key = process.env.WRENN_API_KEY
const e2bApi = process.env.E2B_API_URL.replace(/\/$/, '')
const plane = process.env.E2B_SANDBOX_URL.replace(/\/$/, '')
const rounds = Number(process.env.BENCH_ROUNDS ?? '60')
const lifecycleRounds = Number(process.env.BENCH_LIFECYCLE_ROUNDS ?? '10')
const surfaces = ['e2b', 'wire', 'wrenn']

const send = async (url, init) => {
  const reply = await fetch(url, init)
  if (!reply.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${reply.status} ${await reply.text()}`)
  return reply
}

// The server's view of each timed request: the route E2B's surface serves the operation on (for
// the SDK and the wire alike) and that of Wrenn's twin. /metrics read right before and after the
// request gives its time outside capsule work (guest agent calls, starts, resumes: what a surface
// itself adds, without the guest's noise), its capsule work and how many pieces that was.
const e2bPrefix = new URL(e2bApi).pathname.replace(/\/$/, '')
const routes = {
  run: { e2b: ['POST', 'envd /process.Process/Start'], wrenn: ['POST', '/v1/capsules/{id}/exec'] },
  write: { e2b: ['POST', 'envd /files'], wrenn: ['POST', '/v1/capsules/{id}/files/write'] },
  read: { e2b: ['GET', 'envd /files'], wrenn: ['POST', '/v1/capsules/{id}/files/read'] },
  info: { e2b: ['GET', `${e2bPrefix}/sandboxes/{id}`], wrenn: ['GET', '/v1/capsules/{id}'] },
  create: { e2b: ['POST', `${e2bPrefix}/v2/sandboxes`], wrenn: ['POST', '/v1/capsules'] },
  resume: { e2b: ['POST', `${e2bPrefix}/v2/sandboxes/{id}/connect`], wrenn: ['POST', '/v1/capsules/{id}/resume'] },
}
const serverTotals = async ([method, route]) => {
  const text = await (await send(`${wrenn}/metrics`, {})).text()
  const labels = `{method="${method}",route="${route}"} `
  const value = (family) => Number(text.split('\n').find((line) => line.startsWith(`wrenn_${family}${labels}`))?.slice(`wrenn_${family}${labels}`.length) ?? 0)
  return {
    count: value('http_request_own_seconds_count'), own: value('http_request_own_seconds_sum'),
    whole: value('http_request_duration_seconds_sum'), waits: value('http_capsule_waits_total'),
  }
}

// One JSON line per sample: {"op", "surface", "ms"} and, for an operation with a Wrenn twin, the
// server's "own_ms", "capsule_ms" and "waits" for that one request.
const timed = async (op, surface, action) => {
  const route = routes[op]?.[surface === 'wrenn' ? 'wrenn' : 'e2b']
  const before = route && await serverTotals(route)
  const start = performance.now()
  const result = await action()
  const sample = { op, surface, ms: performance.now() - start }
  if (route) {
    // The server records a request as it finishes, which can be just after its client has the reply.
    let after = await serverTotals(route)
    while (after.count === before.count) after = await serverTotals(route)
    Object.assign(sample, { own_ms: (after.own - before.own) * 1000, capsule_ms: (after.whole - after.own - before.whole + before.own) * 1000, waits: after.waits - before.waits })
  }
  console.log(JSON.stringify(sample))
  return result
}
const api = async (method, path, body) => {
  const reply = await send(`${wrenn}${path}`, {
    method,
    headers: { 'X-API-Key': key, ...(body && !(body instanceof FormData) ? { 'Content-Type': 'application/json' } : {}) },
    body: body instanceof FormData ? body : body ? JSON.stringify(body) : undefined,
  })
  return reply.status === 204 ? null : reply.headers.get('content-type')?.includes('json') ? reply.json() : reply.arrayBuffer()
}
const e2b = async (method, path, body) => {
  const reply = await send(`${e2bApi}${path}`, {
    method,
    headers: { 'X-API-KEY': key, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  })
  return reply.status === 204 ? null : reply.json()
}
const running = async (capsule) => {
  while (capsule.status !== 'running') {
    if (!['pending', 'starting'].includes(capsule.status)) throw new Error(`capsule ${capsule.id} is ${capsule.status}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
    capsule = await api('GET', `/v1/capsules/${capsule.id}`)
  }
  return capsule
}

const sbx = await Sandbox.create('base', { timeoutMs: 3_600_000 })
const id = sbx.sandboxId
const payload = 'x'.repeat(1024)
const envd = { 'E2b-Sandbox-Id': id, 'E2b-Sandbox-Port': '49983', 'X-Access-Token': sbx.envdAccessToken ?? '' }
// E2B's commands.run: a streamed Connect call; its last frame (flag 2) must carry no error.
const wireRun = async () => {
  const message = Buffer.from(JSON.stringify({ process: { cmd: '/bin/bash', args: ['-l', '-c', 'true'] }, stdin: false }))
  const envelope = Buffer.alloc(5 + message.length)
  envelope.writeUInt32BE(message.length, 1)
  message.copy(envelope, 5)
  const reply = await send(`${plane}/process.Process/Start`, {
    method: 'POST',
    headers: {
      ...envd, 'Content-Type': 'application/connect+json', 'Connect-Protocol-Version': '1', 'Connect-Timeout-Ms': '60000',
      'Keepalive-Ping-Interval': '50', Authorization: `Basic ${Buffer.from('user:').toString('base64')}`,
    },
    body: envelope,
  })
  const frames = Buffer.from(await reply.arrayBuffer())
  let at = 0
  let last
  while (at < frames.length) {
    last = { flags: frames[at], json: frames.subarray(at + 5, at + 5 + frames.readUInt32BE(at + 1)).toString() }
    at += 5 + frames.readUInt32BE(at + 1)
  }
  if (last?.flags !== 2 || JSON.parse(last.json).error) throw new Error(`Start ended with ${JSON.stringify(last)}`)
}
const wireWrite = async () => {
  const form = new FormData()
  form.append('file', new Blob([payload]), '/tmp/bench.txt')
  await send(`${plane}/files?path=%2Ftmp%2Fbench.txt`, { method: 'POST', headers: envd, body: form })
}
const wrennWrite = async () => {
  const form = new FormData()
  form.append('path', '/tmp/bench.txt')
  form.append('file', new Blob([payload]))
  await api('POST', `/v1/capsules/${id}/files/write`, form)
}
// The same work on every surface: E2B runs commands with `bash -l -c` as user, so Wrenn's exec does too.
const calls = {
  run: {
    e2b: () => sbx.commands.run('true'),
    wire: wireRun,
    wrenn: () => api('POST', `/v1/capsules/${id}/exec`, { cmd: '/bin/bash', args: ['-l', '-c', 'true'], user: 'user' }),
  },
  write: { e2b: () => sbx.files.write('/tmp/bench.txt', payload), wire: wireWrite, wrenn: wrennWrite },
  read: {
    e2b: () => sbx.files.read('/tmp/bench.txt'),
    wire: async () => (await send(`${plane}/files?path=%2Ftmp%2Fbench.txt`, { headers: envd })).arrayBuffer(),
    wrenn: () => api('POST', `/v1/capsules/${id}/files/read`, { path: '/tmp/bench.txt' }),
  },
  info: { e2b: () => sbx.getInfo(), wire: () => e2b('GET', `/sandboxes/${id}`), wrenn: () => api('GET', `/v1/capsules/${id}`) },
}
// Round i starts with surface i mod 3, so each surface goes first, second and third equally often.
const inTurn = (i) => surfaces.map((_, k) => surfaces[(i + k) % surfaces.length])

// Lifecycle operations leave work behind on the host (a deleted VM's teardown, a resumed one's
// first page faults) that would slow whatever comes next: each is timed after a settling pause.
const settle = () => new Promise((resolve) => setTimeout(resolve, 1000))
// Each create hands back how to delete what it made, which is not timed.
const creates = {
  e2b: async () => {
    const created = await Sandbox.create('base', { timeoutMs: 600_000 })
    return () => created.kill()
  },
  wire: async () => {
    const created = await e2b('POST', '/v2/sandboxes', { templateID: 'base', timeout: 600 })
    return () => e2b('DELETE', `/sandboxes/${created.sandboxID}`)
  },
  wrenn: async () => {
    const capsule = await running(await api('POST', '/v1/capsules', { template: 'base-python' }))
    return () => api('DELETE', `/v1/capsules/${capsule.id}`)
  },
}
const pauses = { e2b: () => sbx.pause(), wire: () => e2b('POST', `/sandboxes/${id}/pause`), wrenn: () => api('POST', `/v1/capsules/${id}/pause`) }
const resumes = {
  e2b: () => Sandbox.connect(id, { timeoutMs: 3_600_000 }),
  wire: () => e2b('POST', `/v2/sandboxes/${id}/connect`, { timeout: 3600 }),
  wrenn: async () => running(await api('POST', `/v1/capsules/${id}/resume`)),
}
try {
  for (let i = 0; i < 3; i++) {
    for (const op of Object.values(calls)) {
      for (const surface of surfaces) await op[surface]()
    }
  }
  for (let i = 0; i < rounds; i++) {
    for (const [name, op] of Object.entries(calls)) {
      for (const surface of inTurn(i)) await timed(name, surface, op[surface])
    }
  }

  for (let i = 0; i < lifecycleRounds; i++) {
    for (const surface of inTurn(i)) {
      await settle()
      const remove = await timed('create', surface, creates[surface])
      await remove()
    }
    for (const surface of inTurn(i)) {
      await pauses[surface]()
      await settle()
      await timed('resume', surface, resumes[surface])
    }
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
