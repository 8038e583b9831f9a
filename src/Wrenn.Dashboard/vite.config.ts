import { defineConfig } from "vite";
import preact from "@preact/preset-vite";

// The build goes to artifacts/dashboard, which wrenn-server's project copies beside the server
// (docs/dashboard.md). Nothing is fetched at run time: every asset is bundled and hashed.
export default defineConfig({
  plugins: [preact()],
  base: "/",
  build: {
    outDir: "../../artifacts/dashboard",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    // The CSP forbids inline scripts: keep Vite from inlining its module preload helper.
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: { "/v1": { target: "http://127.0.0.1:8080", ws: true } },
  },
});
