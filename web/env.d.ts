/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The call centre's API key, sent by the hotline page of the embedded demo only (see README). */
  readonly VITE_HOTLINE_API_KEY: string
}

interface ImportMeta {
  readonly env: ImportMetaEnv
}
