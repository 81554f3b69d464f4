// Runs each worker script of a corpus under Cloudflare's workerd (through Miniflare) and prints, as JSON,
// what every request got: status, headers and body. DifferentialTests sends the same requests to EdgeCache.
// Usage: node run-workerd.mjs <corpus dir> <origin URL> <requests.json>
import { Miniflare } from "miniflare";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const [corpus, origin, requestsFile] = process.argv.slice(2);
const requests = JSON.parse(readFileSync(requestsFile, "utf8"));
const results = {};
for (const name of readdirSync(corpus).filter(f => f.endsWith(".js")).sort()) {
  const script = readFileSync(join(corpus, name), "utf8");
  const mf = new Miniflare({
    script,
    modules: /^\s*export\s+default\b/m.test(script),
    compatibilityDate: "2024-09-23",
    bindings: { ORIGIN: origin },
    cache: true,
    handleRuntimeStdio(stdout, stderr) { stdout.resume(); stderr.resume(); },
  });
  try {
    await mf.ready;
    const answers = [];
    for (const r of requests) {
      const response = await mf.dispatchFetch(origin + r.path, {
        method: r.method,
        headers: r.headers,
        body: r.body ?? undefined,
        redirect: "manual",
      });
      const headers = [...response.headers].map(([k, v]) => [k.toLowerCase(), v]);
      answers.push({ status: response.status, headers, body: await response.text() });
    }
    results[name] = answers;
  } finally {
    await mf.dispose();
  }
}
process.stdout.write(JSON.stringify(results));
