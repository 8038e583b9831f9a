// Test only (loaded with `node --require`): names under WRENN_TEST_DNS_SUFFIX resolve to 127.0.0.1,
// as a wildcard DNS record for the server's domain would in a deployment. Everything else resolves
// as usual.
const dns = require('node:dns')

const suffix = process.env.WRENN_TEST_DNS_SUFFIX
const lookup = dns.lookup

dns.lookup = function (hostname, options, callback) {
  if (typeof options === 'function') {
    callback = options
    options = {}
  }
  if (suffix && (hostname === suffix || hostname.endsWith('.' + suffix))) {
    const address = { address: '127.0.0.1', family: 4 }
    return process.nextTick(() => (options?.all ? callback(null, [address]) : callback(null, address.address, address.family)))
  }
  return lookup.call(this, hostname, options, callback)
}
