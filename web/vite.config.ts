/// <reference types="node" />
// One front end, two audiences: the citizen's phone pages (Vant) and the staff pages (Element Plus).
// Both libraries are imported on demand (unplugin-vue-components), and each audience's pages are their
// own lazily loaded chunks, so a citizen on a phone never downloads Element Plus.
import { fileURLToPath, URL } from 'node:url'

import vue from '@vitejs/plugin-vue'
import { VantResolver } from '@vant/auto-import-resolver'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import { defineConfig, loadEnv, type Plugin } from 'vite'

// The embedded demo (`make run`, the tests) builds in mode "demo"; `npm run dev` is "development".
// Only those two get the demo call-centre key; a production build (`npm run build:production`) has none
// unless VITE_HOTLINE_API_KEY is set on purpose (README: in production the call-centre system posts).
const DEMO_MODES = new Set(['development', 'demo'])

// Government intranets have no internet: nothing the pages load may come from outside.
// Vant's icon font names a CDN copy as a fallback after its inlined woff2; drop the fallback, and fail
// the build if any stylesheet still points outside the site.
const EXTERNAL_URL = /url\(\s*['"]?(?:https?:)?\/\//i

function offline(): Plugin {
  return {
    name: 'hechuan:offline',
    enforce: 'pre',
    transform(code, id) {
      if (!/\.css($|\?)/.test(id) || !EXTERNAL_URL.test(code)) return null
      return { code: code.replace(/,\s*url\(\s*['"]?(?:https?:)?\/\/[^)]*\)\s*format\([^)]*\)/gi, ''), map: null }
    },
    generateBundle(_options, bundle) {
      for (const [name, output] of Object.entries(bundle)) {
        if (output.type === 'asset' && name.endsWith('.css') && EXTERNAL_URL.test(String(output.source))) {
          this.error(`${name} references an external URL (no CDN: the pages must work without internet)`)
        }
      }
    },
  }
}

// One chunk per audience: the citizen's pages with Vant, the staff pages with Element Plus and its
// helpers; Vue, the router and the shared API client are one chunk that both load.
const VUE = /[\\/]node_modules[\\/](?:vue|@vue|vue-router)[\\/]|[\\/]src[\\/]shared[\\/]/
const CITIZEN = /[\\/](?:src[\\/]citizen|node_modules[\\/](?:vant|@vant))[\\/]/
const COMMON_LIBS = /[\\/]node_modules[\\/](?:vue|@vue|vue-router|vant|@vant)[\\/]/
// The supervisors' dashboard and ECharts are chunks of their own: no other staff page grows by them, and
// ECharts loads only when a chart is drawn.
const DASHBOARD = /[\\/]src[\\/]staff[\\/]dashboard[\\/]/
const CHARTS = /[\\/]node_modules[\\/](?:echarts|zrender)[\\/]|[\\/]src[\\/]staff[\\/]dashboard[\\/]charts\.ts$/
// Element Plus's date picker (and dayjs) only the dashboard uses: in its chunk, not every staff page's.
const DASHBOARD_LIBS =
  /[\\/]node_modules[\\/](?:dayjs[\\/]|element-plus[\\/](?:es[\\/]components|theme-chalk)[\\/](?:el-)?(?:date-picker|date-picker-panel|time-picker)(?:[\\/]|\.css))/
const isStaff = (id: string) =>
  (/[\\/]src[\\/]staff[\\/]/.test(id) && !DASHBOARD.test(id))
  || (/[\\/]node_modules[\\/]/.test(id) && !COMMON_LIBS.test(id) && !CHARTS.test(id) && !DASHBOARD_LIBS.test(id))

export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, fileURLToPath(new URL('.', import.meta.url)), 'VITE_')
  const hotlineKey = env.VITE_HOTLINE_API_KEY ?? (DEMO_MODES.has(mode) ? 'demo-key' : '')
  const backend = env.VITE_BACKEND ?? 'http://127.0.0.1:8000'

  return {
    base: '/',
    plugins: [
      vue(),
      offline(),
      Components({
        dts: 'components.d.ts',
        resolvers: [VantResolver(), ElementPlusResolver({ importStyle: 'css' })],
      }),
    ],
    define: {
      'import.meta.env.VITE_HOTLINE_API_KEY': JSON.stringify(hotlineKey),
    },
    resolve: {
      alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
    },
    build: {
      // WeChat's built-in browser (XWeb on Android, WKWebView on iOS) and older phones.
      target: ['es2020', 'chrome87', 'safari14'],
      outDir: 'dist',
      emptyOutDir: true,
      assetsDir: 'assets',
      chunkSizeWarningLimit: 1200,
      reportCompressedSize: true,
      rolldownOptions: {
        output: {
          codeSplitting: {
            groups: [
              // virtual helpers (`\0plugin-vue:export-helper`, the preload helper) go with Vue
              { name: 'vue', test: (id: string) => VUE.test(id) || id.startsWith('\0'), priority: 3 },
              { name: 'citizen', test: CITIZEN, priority: 2 },
              { name: 'charts', test: CHARTS, priority: 2 },
              { name: 'staff', test: isStaff, priority: 1 },
              // after the staff group, so the libraries the dashboard uses stay in the staff chunk (a group
              // takes along the dependencies of what it captures)
              { name: 'dashboard', test: (id: string) => DASHBOARD.test(id) || DASHBOARD_LIBS.test(id), priority: 0 },
            ],
          },
        },
      },
    },
    server: {
      proxy: {
        '/api': backend,
      },
    },
  }
})
