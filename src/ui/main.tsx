import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import './styles.css';

// Production builds register the offline service worker (public/sw.js). Its URL carries a build id
// made from the hashed script and style names of index.html, so each deploy installs a new worker
// with a fresh cache. Development servers skip it, so edits are never served from a stale cache.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  const assets = [...document.querySelectorAll<HTMLScriptElement | HTMLLinkElement>('script[src], link[rel="stylesheet"][href]')].map((e) => ('src' in e ? e.src : e.href)).join('|');
  let hash = 0x811c9dc5; // FNV-1a over the asset URLs
  for (let i = 0; i < assets.length; i++) hash = Math.imul(hash ^ assets.charCodeAt(i), 0x01000193) >>> 0;
  window.addEventListener('load', () => {
    navigator.serviceWorker.register(`${import.meta.env.BASE_URL}sw.js?v=${hash.toString(16)}`).catch((error: unknown) => {
      console.warn('Offline support is off: the service worker did not register.', error);
    });
  });
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
