// E2B's code interpreter SDK (the pinned npm package @e2b/code-interpreter) against a real
// `wrenn serve`, in the plain-HTTP mode of sdk.test.mjs: its default template code-interpreter-v1
// is Wrenn's code-runner-beta, and port 49999 is served by the server on the capsule's Jupyter
// kernels. Run by tests/Wrenn.ControlPlane.Tests/E2b/E2bSdkTests.cs.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox } from '@e2b/code-interpreter'
import { NotFoundError, TimeoutError } from 'e2b'

let sbx

before(async () => {
  // The template's first sandbox builds its snapshot (Jupyter and a warm kernel: minutes under
  // emulation), longer than the SDK's default 60 s request timeout.
  sbx = await Sandbox.create({ timeoutMs: 600_000, requestTimeoutMs: 900_000 })
})

after(async () => {
  await sbx?.kill()
})

test('run code: results, state between runs, output and errors', async () => {
  const first = await sbx.runCode('x = 20\nx + 1')
  assert.equal(first.text, '21')
  assert.equal(first.results.length, 1)
  assert.equal(first.results[0].isMainResult, true)
  assert.ok(first.executionCount >= 1)
  assert.equal((await sbx.runCode('x * 2')).text, '40')

  const seen = []
  const logs = await sbx.runCode('import sys\nprint("to stdout")\nprint("to stderr", file=sys.stderr)', { onStdout: (line) => seen.push(line.line) })
  assert.deepEqual(logs.logs.stdout, ['to stdout\n'])
  assert.deepEqual(logs.logs.stderr, ['to stderr\n'])
  assert.deepEqual(seen, ['to stdout\n'])

  const failed = await sbx.runCode('1 / 0')
  assert.equal(failed.error?.name, 'ZeroDivisionError')
  assert.match(failed.error?.traceback ?? '', /ZeroDivisionError/)
})

test('the default context works in /home/user, where the SDK\'s relative file paths lead', async () => {
  await sbx.files.write('data.csv', 'a,b\n1,2\n')
  const read = await sbx.runCode('import os\nprint(os.getcwd())\nopen("data.csv").read()')
  assert.deepEqual(read.logs.stdout, ['/home/user\n'])
  assert.equal(read.text, "'a,b\\n1,2\\n'")
})

test('every sandbox of the template gets E2B\'s setup, not only the first one', async () => {
  // All of them start from the same snapshot, with the same kernel id.
  const second = await Sandbox.create({ timeoutMs: 120_000, requestTimeoutMs: 900_000 })
  try {
    assert.equal((await second.runCode('import os\nos.getcwd()')).text, "'/home/user'")
  } finally {
    await second.kill()
  }
})

test('environment variables hold for one run only', async () => {
  assert.equal((await sbx.runCode('import os\nos.environ["ONLY_NOW"]', { envs: { ONLY_NOW: 'yes' } })).text, "'yes'")
  assert.equal((await sbx.runCode('repr(os.environ.get("ONLY_NOW"))')).text, "'None'")
  // A client that gives up during the run leaves the variables behind neither.
  await assert.rejects(sbx.runCode('import time\ntime.sleep(4)', { envs: { LEFT_BEHIND: 'yes' }, timeoutMs: 1500 }), (error) => error instanceof TimeoutError)
  assert.equal((await sbx.runCode('repr(os.environ.get("LEFT_BEHIND"))')).text, "'None'")
})

test('a matplotlib figure comes back as a png and a chart', async () => {
  const execution = await sbx.runCode([
    'import matplotlib.pyplot as plt',
    'plt.figure()',
    'plt.plot([1, 2, 3], [4, 1, 9], label="growth")',
    'plt.title("Growth")',
    'plt.xlabel("day")',
    'plt.show()',
  ].join('\n'))
  const figure = execution.results.find((result) => result.png)
  assert.ok(figure, `no figure among ${JSON.stringify(execution.results.map((result) => result.formats()))}`)
  assert.equal(figure.chart?.type, 'line')
  assert.equal(figure.chart?.title, 'Growth')
  assert.equal(figure.chart?.x_label, 'day')
  assert.deepEqual(figure.chart?.elements[0].points, [[1, 4], [2, 1], [3, 9]])
})

test('contexts: own working directory and state; removed ones are not found', async () => {
  const context = await sbx.createCodeContext({ cwd: '/tmp' })
  assert.equal(context.cwd, '/tmp')
  assert.equal((await sbx.runCode('import os\nos.getcwd()', { context })).text, "'/tmp'")
  assert.equal((await sbx.runCode("'x' in dir()", { context })).text, 'False')
  assert.ok((await sbx.listCodeContexts()).some((listed) => listed.id === context.id))
  await sbx.removeCodeContext(context)
  assert.ok(!(await sbx.listCodeContexts()).some((listed) => listed.id === context.id))
  // A short request timeout: the SDK leaves its request timer running when a run is refused, which
  // would hold this process open for the sandbox's whole request timeout.
  await assert.rejects(sbx.runCode('1', { context, requestTimeoutMs: 5_000 }), (error) => error instanceof NotFoundError)
})
