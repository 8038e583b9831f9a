// E2B's SDK in its default mode: https://api.<domain> and https://<port>-<sandbox>.<domain>, with
// only E2B_DOMAIN set (and the development CA trusted through NODE_EXTRA_CA_CERTS). The names
// resolve to the server through resolve-to-loopback.cjs, standing in for wildcard DNS. Run by
// tests/Wrenn.ControlPlane.Tests/E2b/E2bSdkTests.cs against a server with --tls-local-ca.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { Sandbox } from 'e2b'

let sbx

before(async () => {
  assert.equal(process.env.E2B_API_URL, undefined)
  assert.equal(process.env.E2B_SANDBOX_URL, undefined)
  sbx = await Sandbox.create('base', { timeoutMs: 600_000 })
})

after(async () => {
  await sbx?.kill()
})

test('the API and the sandbox answer on their own host names over TLS', async () => {
  assert.equal((await sbx.commands.run('echo over-tls')).stdout, 'over-tls\n')
  await sbx.files.write('hello.txt', 'named host')
  assert.equal(await sbx.files.read('hello.txt'), 'named host')
  assert.equal((await sbx.getInfo()).state, 'running')
})

test('signed upload and download URLs work without the access token, and only as signed', async () => {
  const form = new FormData()
  form.append('file', new Blob(['uploaded through a signed url']), 'signed.txt')
  const upload = await fetch(await sbx.uploadUrl('signed.txt'), { method: 'POST', body: form })
  assert.equal(upload.status, 200, await upload.clone().text())
  const download = await fetch(await sbx.downloadUrl('signed.txt', { useSignatureExpiration: 60_000 }))
  assert.equal(download.status, 200)
  assert.equal(await download.text(), 'uploaded through a signed url')

  const forged = new URL(await sbx.downloadUrl('signed.txt'))
  forged.searchParams.set('path', '/etc/shadow')
  assert.equal((await fetch(forged)).status, 401)
  const expired = await fetch(await sbx.downloadUrl('signed.txt', { useSignatureExpiration: -120 }))
  assert.equal(expired.status, 401)
  assert.deepEqual(await expired.json(), { code: 401, message: 'signature is already expired' })
})

test("a sandbox's ports are reachable at getHost", async () => {
  await sbx.commands.run('python3 -m http.server 8000 --directory /home/user', { background: true, timeoutMs: 0 })
  const url = `https://${sbx.getHost(8000)}/hello.txt`
  let reply
  for (let waited = 0; waited < 20_000; waited += 250) {
    reply = await fetch(url)
    if (reply.status === 200) break
    await sleep(250)
  }
  assert.equal(reply.status, 200)
  assert.equal(await reply.text(), 'named host')
})
