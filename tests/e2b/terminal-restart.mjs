// A terminal outlives a restart of the control plane that started it: E2B addresses it by pid with
// separate calls, which reach the guest agent directly, and a connect takes its session over.
// Run by tests/Wrenn.ControlPlane.Tests/E2b/E2bTerminalRestartTests.cs in two phases around the
// restart (WRENN_TEST_PHASE start, then after), which share WRENN_TEST_STATE.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { Sandbox } from 'e2b'

const state = process.env.WRENN_TEST_STATE

if (process.env.WRENN_TEST_PHASE === 'start') {
  test('a terminal is started, then left running', async () => {
    const sbx = await Sandbox.create('base', { timeoutMs: 600_000 })
    const terminal = await sbx.pty.create({ cols: 80, rows: 24, onData: () => {}, timeoutMs: 0 })
    await terminal.disconnect()
    writeFileSync(state, JSON.stringify({ id: sbx.sandboxId, pid: terminal.pid }))
  })
} else {
  test('after the restart, the terminal connects, takes input and resizes', async () => {
    const { id, pid } = JSON.parse(readFileSync(state, 'utf8'))
    const sbx = await Sandbox.connect(id, { timeoutMs: 600_000 })
    try {
      const decoder = new TextDecoder()
      let text = ''
      await sbx.pty.connect(pid, { onData: (data) => { text += decoder.decode(data) }, timeoutMs: 0 })
      await sbx.pty.resize(pid, { cols: 70, rows: 12 })
      await sbx.pty.sendInput(pid, new TextEncoder().encode('stty size; echo after-$((3+4))\n'))
      for (let waited = 0; !text.includes('after-7'); waited += 100) {
        assert.ok(waited < 20_000, `the terminal's output: ${JSON.stringify(text)}`)
        await sleep(100)
      }
      assert.match(text, /12 70/)
      assert.equal(await sbx.pty.kill(pid), true)
    } finally {
      await sbx.kill()
    }
  })
}
