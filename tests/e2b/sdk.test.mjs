// E2B's own JavaScript SDK (the pinned npm package `e2b`) against a real `wrenn serve` with real
// capsules, in the SDK's plain-HTTP mode: E2B_API_URL (the REST surface under its path) and
// E2B_SANDBOX_URL (the data plane, routed by E2B's sandbox headers). Run by
// tests/Wrenn.ControlPlane.Tests/E2b/E2bSdkTests.cs, which starts the server and sets
// E2B_API_KEY, E2B_API_URL and E2B_SANDBOX_URL. At most two capsules run at once.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { Sandbox, CommandExitError, NotFoundError, SandboxNotFoundError, TimeoutError } from 'e2b'

const marker = `run-${process.pid}-${Date.now()}`
let sbx

before(async () => {
  sbx = await Sandbox.create('base', { metadata: { suite: marker, role: 'main' }, envs: { SUITE_VAR: 'from-create' }, timeoutMs: 600_000 })
})

after(async () => {
  await sbx?.kill()
})

test('create answers a running sandbox with its metadata and lifecycle', async () => {
  assert.match(sbx.sandboxId, /^cl-/)
  const info = await sbx.getInfo()
  assert.equal(info.sandboxId, sbx.sandboxId)
  assert.equal(info.state, 'running')
  assert.deepEqual(info.metadata, { suite: marker, role: 'main' })
  assert.equal(info.lifecycle?.onTimeout, 'kill')
  assert.ok(info.endAt > info.startedAt)
  assert.equal(await sbx.isRunning(), true)
  const metrics = await sbx.getMetrics()
  assert.ok(Array.isArray(metrics))
  for (const metric of metrics) {
    assert.equal(metric.cpuCount, 1)
    assert.equal(metric.memTotal, 512 * 1024 * 1024)
  }
})

test('commands run as user in its home, with the sandbox and call environment', async () => {
  const result = await sbx.commands.run('echo "$(whoami) $(pwd) $SUITE_VAR $CALL_VAR $E2B_SANDBOX"; echo oops >&2', { envs: { CALL_VAR: 'from-call' } })
  assert.equal(result.exitCode, 0)
  assert.equal(result.stdout, 'user /home/user from-create from-call true\n')
  assert.equal(result.stderr, 'oops\n')
  const root = await sbx.commands.run('whoami; pwd', { user: 'root', cwd: '/tmp' })
  assert.equal(root.stdout, 'root\n/tmp\n')
  const sudo = await sbx.commands.run('sudo -n whoami')
  assert.equal(sudo.stdout, 'root\n')
})

test('a failing command is a CommandExitError with its output', async () => {
  await assert.rejects(sbx.commands.run('echo partial; exit 3'), (error) => {
    assert.ok(error instanceof CommandExitError)
    assert.equal(error.exitCode, 3)
    assert.equal(error.stdout, 'partial\n')
    return true
  })
})

test('output streams to callbacks as it comes', async () => {
  const seen = []
  const result = await sbx.commands.run('for i in 1 2 3; do echo line$i; sleep 0.2; done', { onStdout: (data) => seen.push(data) })
  assert.equal(result.stdout, 'line1\nline2\nline3\n')
  assert.ok(seen.length >= 2, `output came in ${seen.length} piece(s)`)
})

test('background processes are listed, outlive their stream, and can be killed', async () => {
  const handle = await sbx.commands.run('sleep 300', { background: true })
  assert.ok(handle.pid > 0)
  await handle.disconnect()
  const listed = await sbx.commands.list()
  assert.ok(listed.some((process) => process.pid === handle.pid), 'the process is listed after its stream ended')
  assert.equal(await sbx.commands.kill(handle.pid), true)
  await sleep(200)
  assert.ok(!(await sbx.commands.list()).some((process) => process.pid === handle.pid))
  assert.equal(await sbx.commands.kill(handle.pid), false)
})

test('stdin can be written and closed', async () => {
  const handle = await sbx.commands.run('cat; echo done', { background: true, stdin: true })
  await sbx.commands.sendStdin(handle.pid, 'hello ')
  await sbx.commands.sendStdin(handle.pid, 'stdin\n')
  await sbx.commands.closeStdin(handle.pid)
  const result = await handle.wait()
  assert.equal(result.stdout, 'hello stdin\ndone\n')
})

test('connect to a running process streams its output from then on', async () => {
  const handle = await sbx.commands.run('for i in $(seq 1 40); do echo tick$i; sleep 0.1; done', { background: true })
  await handle.disconnect()
  await sleep(1000)
  const seen = []
  const again = await sbx.commands.connect(handle.pid, { onStdout: (data) => seen.push(data) })
  const result = await again.wait()
  assert.equal(result.exitCode, 0)
  assert.match(result.stdout, /tick40\n$/)
  assert.ok(!result.stdout.startsWith('tick1\n'), 'no replay of what came before the connect')
  await assert.rejects(sbx.commands.connect(999999), (error) => error instanceof NotFoundError)
})

test('a terminal takes input, resizes and reports its output as a tty', async () => {
  const decoder = new TextDecoder()
  let text = ''
  const terminal = await sbx.pty.create({ cols: 100, rows: 30, onData: (data) => { text += decoder.decode(data) }, timeoutMs: 120_000 })
  const send = (line) => sbx.pty.sendInput(terminal.pid, new TextEncoder().encode(line + '\n'))
  const until = async (pattern) => {
    for (let waited = 0; !pattern.test(text); waited += 100) {
      assert.ok(waited < 20_000, `no ${pattern} in the terminal's output: ${JSON.stringify(text)}`)
      await sleep(100)
    }
  }
  await send('stty size; tty; echo mark-$((6*7))')
  await until(/mark-42/)
  assert.match(text, /30 100/)
  assert.match(text, /\/dev\/pts\//)
  await sbx.pty.resize(terminal.pid, { cols: 120, rows: 40 })
  await send('stty size')
  await until(/40 120/)
  assert.equal(await sbx.pty.kill(terminal.pid), true)
  await assert.rejects(terminal.wait())
})

test('a command past its timeout is killed and reported as a timeout', async () => {
  await assert.rejects(sbx.commands.run('sleep 30', { timeoutMs: 2000 }), (error) => error instanceof TimeoutError)
})

test('files: write, read, stat, list, make, rename, remove, as user', async () => {
  const info = await sbx.files.write('notes/hello.txt', 'hello from e2b')
  assert.equal(info.path, '/home/user/notes/hello.txt')
  assert.equal(await sbx.files.read('/home/user/notes/hello.txt'), 'hello from e2b')
  const stat = await sbx.files.getInfo('notes/hello.txt')
  assert.equal(stat.type, 'file')
  assert.equal(stat.size, 14)
  assert.equal(stat.owner, 'user')
  assert.equal((await sbx.commands.run('echo more >> notes/hello.txt && wc -c < notes/hello.txt')).stdout, '19\n')

  const bytes = new Uint8Array(300_000).map((_, i) => (i * 7) % 256)
  await sbx.files.write('/tmp/blob.bin', bytes)
  assert.deepEqual(await sbx.files.read('/tmp/blob.bin', { format: 'bytes' }), bytes)
  assert.equal(await sbx.files.read('/tmp/empty', { format: 'text' }).catch((e) => e.constructor.name), 'FileNotFoundError')
  await sbx.files.write('/tmp/empty', '')
  assert.equal(await sbx.files.read('/tmp/empty'), '')

  await sbx.files.write('/tmp/zipped.txt', 'sent gzip-encoded', { gzip: true })
  assert.equal(await sbx.files.read('/tmp/zipped.txt', { gzip: true }), 'sent gzip-encoded')
  await sbx.files.write('/tmp/raw.txt', 'sent as a raw body', { useOctetStream: true })
  assert.equal(await sbx.files.read('/tmp/raw.txt'), 'sent as a raw body')

  const tagged = await sbx.files.write('tagged.txt', 'x', { metadata: { Stage: 'raw', owner: 'team a' } })
  assert.deepEqual(tagged.metadata, { stage: 'raw', owner: 'team a' })
  assert.deepEqual((await sbx.files.getInfo('tagged.txt')).metadata, { stage: 'raw', owner: 'team a' })
  assert.deepEqual((await sbx.files.list('.')).find((entry) => entry.name === 'tagged.txt')?.metadata, { stage: 'raw', owner: 'team a' })
  await sbx.files.write('tagged.txt', 'y')
  assert.equal((await sbx.files.getInfo('tagged.txt')).metadata, undefined, 'an upload replaces the metadata')

  await sbx.files.write([{ path: '/tmp/multi/a.txt', data: 'A' }, { path: '/tmp/multi/b.txt', data: 'B' }])
  const listed = await sbx.files.list('/tmp/multi')
  assert.deepEqual(listed.map((entry) => [entry.name, entry.type]), [['a.txt', 'file'], ['b.txt', 'file']])

  assert.equal(await sbx.files.makeDir('made/deep'), true)
  assert.equal(await sbx.files.makeDir('made/deep'), false)
  assert.equal((await sbx.files.getInfo('made')).owner, 'user')
  const moved = await sbx.files.rename('notes/hello.txt', 'made/deep/moved.txt')
  assert.equal(moved.path, '/home/user/made/deep/moved.txt')
  assert.deepEqual((await sbx.files.list('made')).map((entry) => entry.path), ['/home/user/made/deep'])
  assert.equal((await sbx.commands.run('pwd', { cwd: '~/made/deep' })).stdout, '/home/user/made/deep\n')
  // Relative paths are the home of the call's own user, as the guest's accounts say.
  await sbx.files.write('mine.txt', 'root wrote this', { user: 'root' })
  assert.equal(await sbx.files.read('/root/mine.txt', { user: 'root' }), 'root wrote this')
  assert.equal(await sbx.files.read('mine.txt', { user: 'root' }), 'root wrote this')
  assert.equal(await sbx.files.exists('notes/hello.txt'), false)
  assert.equal(await sbx.files.exists('made/deep/moved.txt'), true)
  await sbx.files.remove('made')
  assert.equal(await sbx.files.exists('made'), false)
  await sbx.files.remove('made')
  await sbx.commands.run('mkdir -p linked && ln -sf notes.txt linked/link')
  assert.equal((await sbx.files.getInfo('linked/link')).symlinkTarget, '/home/user/linked/notes.txt')
  assert.ok((await sbx.files.getInfo('linked')).size > 0, 'a directory has its own size')
  await assert.rejects(sbx.files.list('/nowhere'), (error) => error instanceof NotFoundError)
})

test('watching a directory reports what changes below it', async () => {
  await sbx.files.makeDir('watched')
  const events = []
  const entries = []
  const handle = await sbx.files.watchDir('watched', (event) => {
    events.push(`${event.type} ${event.name}`)
    if (event.entry) entries.push(event.entry)
  }, { recursive: true, timeoutMs: 0, includeEntry: true })
  await sbx.files.write('watched/a.txt', 'a')
  await sbx.commands.run('mkdir -p watched/sub && echo b > watched/sub/b.txt && rm watched/a.txt')
  for (let waited = 0; !events.includes('remove a.txt'); waited += 100) {
    assert.ok(waited < 20_000, `events so far: ${JSON.stringify(events)}`)
    await sleep(100)
  }
  await handle.stop()
  assert.ok(events.includes('create sub/b.txt'), JSON.stringify(events))
  // An upload is its target's create and write, as a write in place is; its temporary file is never seen.
  assert.ok(events.includes('create a.txt') && events.includes('write a.txt'), JSON.stringify(events))
  assert.ok(!events.some((event) => event.includes('.wrenn-')), JSON.stringify(events))
  await assert.rejects(sbx.files.watchDir('nowhere', () => {}), (error) => error instanceof NotFoundError)
  assert.ok(entries.some((entry) => entry.path === '/home/user/watched/sub/b.txt' && entry.type === 'file' && entry.owner === 'user'), JSON.stringify(entries))
  assert.ok(events.some((event) => event.endsWith(' a.txt') && !event.startsWith('remove')), JSON.stringify(events))
})

test('snapshots start sandboxes with the files and processes of the capture; listed, deleted; fork', async () => {
  await sbx.files.write('snap.txt', 'captured')
  const sleeper = await sbx.commands.run('sleep 86400', { background: true })
  const name = `snap-${process.pid}`
  const snapshot = await sbx.createSnapshot({ name })
  assert.deepEqual(snapshot, { snapshotId: name, names: [name] })
  assert.deepEqual((await Sandbox.listSnapshots({ sandboxId: sbx.sandboxId }).nextItems()).map((item) => item.snapshotId), [name])
  assert.deepEqual(await Sandbox.listSnapshots({ sandboxId: 'cl-nothinghere' }).nextItems(), [])
  const copy = await Sandbox.create(name, { timeoutMs: 120_000 })
  try {
    assert.equal(await copy.files.read('snap.txt'), 'captured')
    assert.match((await copy.commands.run('pgrep -x sleep')).stdout, /^\d+\n$/, 'the capture\'s process runs on in the copy')
  } finally {
    await copy.kill()
  }
  assert.equal(await Sandbox.deleteSnapshot(name), true)
  assert.equal(await Sandbox.deleteSnapshot(name), false)

  const [fork, ...more] = await sbx.fork({ timeoutMs: 120_000 })
  assert.equal(more.length, 0)
  assert.ok(fork instanceof Sandbox, String(fork))
  try {
    assert.notEqual(fork.sandboxId, sbx.sandboxId)
    assert.equal(await fork.files.read('snap.txt'), 'captured')
    assert.deepEqual((await fork.getInfo()).metadata, { suite: marker, role: 'main' })
    assert.equal((await fork.commands.run('echo $SUITE_VAR')).stdout, 'from-create\n')
  } finally {
    await fork.kill()
  }
  assert.equal(await sbx.files.read('snap.txt'), 'captured', 'the source runs on')
  assert.deepEqual(await Sandbox.listSnapshots({ sandboxId: sbx.sandboxId }).nextItems(), [], 'a fork leaves no snapshot behind')
  assert.equal(await sbx.commands.kill(sleeper.pid), true, 'the source\'s process ran on through the captures')
})

test('pause keeps memory and files; connect resumes; pausing twice answers false', async () => {
  const other = await Sandbox.create('base', { metadata: { suite: marker, role: 'paused' }, timeoutMs: 600_000 })
  try {
    await other.files.write('state.txt', 'kept')
    const counter = await other.commands.run('i=0; while true; do i=$((i+1)); echo $i > /tmp/count; sleep 0.1; done', { background: true, timeoutMs: 0 })
    for (let waited = 0; !(await other.files.exists('/tmp/count')); waited += 100) {
      assert.ok(waited < 20_000, 'the counter loop never wrote')
      await sleep(100)
    }
    assert.equal(await other.pause(), true)
    assert.equal(await other.isRunning(), false)
    assert.equal(await Sandbox.pause(other.sandboxId), false)
    assert.equal((await other.getInfo()).state, 'paused')

    const resumed = await Sandbox.connect(other.sandboxId, { timeoutMs: 600_000 })
    assert.equal((await resumed.getInfo()).state, 'running')
    assert.equal(await resumed.files.read('state.txt'), 'kept')
    assert.ok((await resumed.commands.list()).some((process) => process.pid === counter.pid), 'the background loop survived')
    const before = Number(await resumed.files.read('/tmp/count'))
    await sleep(1000)
    assert.ok(Number(await resumed.files.read('/tmp/count')) > before, 'the loop runs again')
  } finally {
    await other.kill()
  }
})

test('list filters by metadata and state, and pages', async () => {
  const mine = await Sandbox.list({ query: { metadata: { suite: marker } } }).nextItems()
  assert.ok(mine.some((info) => info.sandboxId === sbx.sandboxId))
  assert.ok(mine.every((info) => info.metadata.suite === marker))
  const paused = await Sandbox.list({ query: { metadata: { suite: marker }, state: ['paused'] } }).nextItems()
  assert.ok(!paused.some((info) => info.sandboxId === sbx.sandboxId))

  const extra = await Sandbox.create('base', { metadata: { suite: marker, role: 'page' }, timeoutMs: 600_000 })
  try {
    const pages = Sandbox.list({ query: { metadata: { suite: marker } }, limit: 1 })
    const first = await pages.nextItems()
    assert.equal(first.length, 1)
    assert.equal(pages.hasNext, true)
    const second = await pages.nextItems()
    assert.equal(second.length, 1)
    assert.notEqual(second[0].sandboxId, first[0].sandboxId)
  } finally {
    await extra.kill()
  }
})

test('timeouts: a sandbox ends at its time to live, killed or paused; a paused one with auto-resume wakes on use', async () => {
  const killed = await Sandbox.create('base', { metadata: { suite: marker, role: 'ttl' }, timeoutMs: 600_000 })
  const paused = await Sandbox.create('base', { metadata: { suite: marker, role: 'ttl-pause' }, timeoutMs: 600_000, lifecycle: { onTimeout: 'pause', autoResume: true } })
  try {
    await killed.setTimeout(2000)
    await paused.setTimeout(2000)
    await sleep(6000)
    assert.equal(await killed.isRunning(), false)
    await assert.rejects(Sandbox.getInfo(killed.sandboxId), (error) => error instanceof SandboxNotFoundError)
    assert.equal((await paused.getInfo()).state, 'paused')
    assert.deepEqual((await paused.getInfo()).lifecycle, { onTimeout: 'pause', autoResume: true })
    // Auto-resume: the sandbox's own traffic wakes it.
    assert.equal((await paused.commands.run('echo awake')).stdout, 'awake\n')
    assert.equal((await paused.getInfo()).state, 'running')
  } finally {
    await paused.kill()
  }
})

test('a command whose sandbox is killed ends with the SDK\'s end-of-life error', async () => {
  const doomed = await Sandbox.create('base', { metadata: { suite: marker, role: 'doomed' }, timeoutMs: 120_000 })
  const command = await doomed.commands.run('sleep 60', { background: true })
  await doomed.kill()
  const error = await command.wait().catch((failure) => failure)
  assert.ok(error instanceof TimeoutError, String(error))
  assert.match(error.message, /sandbox was killed or reached its end of life/)
})

test('kill answers true once, then false; a killed sandbox is not found', async () => {
  const doomed = await Sandbox.create('base', { metadata: { suite: marker, role: 'doomed' } })
  assert.equal(await doomed.kill(), true)
  assert.equal(await Sandbox.kill(doomed.sandboxId), false)
  await assert.rejects(Sandbox.getInfo(doomed.sandboxId), (error) => error instanceof SandboxNotFoundError)
  await assert.rejects(Sandbox.connect(doomed.sandboxId), (error) => error instanceof SandboxNotFoundError)
})
