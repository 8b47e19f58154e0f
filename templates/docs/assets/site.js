// The docs site's behaviour: theme, search, deep links, copy buttons. No network, no framework.
(() => {
  const root = document.documentElement;
  const THEME_KEY = 'asyncapi-nats-theme';

  // Theme: the saved choice, else the system's. Storage may throw (file://, privacy modes).
  const storage = {
    get() {
      try {
        return window.localStorage.getItem(THEME_KEY);
      } catch {
        return null;
      }
    },
    set(value) {
      try {
        window.localStorage.setItem(THEME_KEY, value);
      } catch {
        // not persisted; the toggle still works for this page
      }
    },
  };
  const systemDark = () => window.matchMedia?.('(prefers-color-scheme: dark)').matches === true;
  const saved = storage.get();
  const applyTheme = (theme) => {
    root.dataset.theme = theme;
    const toggle = document.getElementById('theme-toggle');
    if (!toggle) return;
    // The label says what a press does. It changes with the theme, so the button has no aria-pressed
    // (WAI-ARIA APG: a toggle's name must not change with its state); the label alone tells both.
    toggle.textContent = theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme';
    // Hidden in the HTML: without this script it could do nothing.
    toggle.hidden = false;
  };
  applyTheme(saved === 'dark' || saved === 'light' ? saved : systemDark() ? 'dark' : 'light');

  const init = () => {
    applyTheme(root.dataset.theme === 'dark' ? 'dark' : 'light');

    // Contents: folded on a narrow screen, so the page starts with the API, not a long list of links;
    // always open beside the page on a wide one (where the fold has no summary to open it).
    const toc = document.getElementById('toc');
    const narrow = window.matchMedia?.('(max-width: 48rem)');
    if (toc && narrow) {
      toc.open = !narrow.matches;
      narrow.addEventListener?.('change', () => {
        toc.open = !narrow.matches;
      });
    }
    document.getElementById('theme-toggle')?.addEventListener('click', () => {
      const next = root.dataset.theme === 'dark' ? 'light' : 'dark';
      applyTheme(next);
      storage.set(next);
    });

    // Deep links: scroll to the target, open the <details> around it, mark it.
    let current = null;
    const showTarget = () => {
      let id = '';
      try {
        id = decodeURIComponent(location.hash.slice(1));
      } catch {
        id = location.hash.slice(1);
      }
      const target = id ? document.getElementById(id) : null;
      if (current && current !== target) current.classList.remove('is-target');
      if (!target) return;
      for (let el = target.parentElement; el; el = el.parentElement) {
        if (el.tagName === 'DETAILS') el.open = true;
      }
      target.classList.add('is-target');
      current = target;
      target.scrollIntoView({ block: 'start' });
    };
    window.addEventListener('hashchange', showTarget);
    showTarget();

    // Copy buttons: the Clipboard API where allowed, else a hidden textarea.
    document.addEventListener('click', (event) => {
      const button = event.target instanceof Element ? event.target.closest('button.copy') : null;
      if (!button) return;
      const text = button.getAttribute('data-copy') || '';
      const done = (ok) => {
        const label = button.textContent;
        button.textContent = ok ? 'Copied' : 'Copy failed';
        setTimeout(() => {
          button.textContent = label === 'Copied' || label === 'Copy failed' ? 'Copy' : label;
        }, 1200);
      };
      const fallback = () => {
        const area = document.createElement('textarea');
        area.value = text;
        area.setAttribute('readonly', '');
        area.style.position = 'fixed';
        area.style.opacity = '0';
        document.body.appendChild(area);
        area.select();
        let ok = false;
        try {
          ok = document.execCommand('copy');
        } catch {
          ok = false;
        }
        area.remove();
        done(ok);
      };
      try {
        if (navigator.clipboard?.writeText) {
          navigator.clipboard.writeText(text).then(() => done(true), fallback);
          return;
        }
      } catch {
        // fall through
      }
      fallback();
    });

    // Search: the index is a global set by search-index.js; filtered here, debounced, 50 results.
    const input = document.getElementById('search');
    const list = document.getElementById('search-results');
    const entries = Array.isArray(window.ASYNCAPI_NATS_SEARCH) ? window.ASYNCAPI_NATS_SEARCH : [];
    const haystacks = entries.map((e) => `${e.l} ${e.s} ${e.k}`.toLowerCase());
    const LIMIT = 50;
    let selected = -1;
    let timer = 0;
    if (!input || !list) return;
    const options = () => Array.from(list.querySelectorAll('li[role="option"]'));
    const select = (index) => {
      const all = options();
      if (all.length === 0) return;
      selected = (index + all.length) % all.length;
      all.forEach((li, i) => {
        li.setAttribute('aria-selected', String(i === selected));
      });
      const li = all[selected];
      input.setAttribute('aria-activedescendant', li.id);
      li.scrollIntoView({ block: 'nearest' });
    };
    const close = () => {
      list.hidden = true;
      input.removeAttribute('aria-activedescendant');
    };
    const render = () => {
      // The query these results answer (typing outruns the debounce: a list may answer an older one).
      list.dataset.query = input.value;
      const terms = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      list.textContent = '';
      selected = -1;
      input.removeAttribute('aria-activedescendant');
      if (terms.length === 0) return close();
      const found = [];
      for (let i = 0; i < entries.length && found.length < LIMIT; i++) {
        if (terms.every((t) => haystacks[i].includes(t))) found.push(entries[i]);
      }
      found.forEach((e, i) => {
        const li = document.createElement('li');
        li.setAttribute('role', 'option');
        li.setAttribute('aria-selected', 'false');
        li.id = `search-result-${i}`;
        const a = document.createElement('a');
        a.href = e.h;
        a.tabIndex = -1;
        const kind = document.createElement('span');
        kind.className = 'k';
        kind.textContent = e.k;
        const label = document.createElement('span');
        label.className = 'l';
        label.textContent = e.l;
        const sub = document.createElement('span');
        sub.className = 's';
        sub.textContent = e.s;
        a.append(kind, label, sub);
        li.appendChild(a);
        list.appendChild(li);
      });
      if (found.length === 0) {
        const li = document.createElement('li');
        li.setAttribute('role', 'option');
        li.setAttribute('aria-disabled', 'true');
        li.setAttribute('aria-selected', 'false');
        li.className = 'none';
        li.textContent = 'No matches';
        list.appendChild(li);
      }
      list.hidden = false;
    };
    input.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(render, 80);
    });
    input.addEventListener('keydown', (event) => {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        if (list.hidden) render();
        select(selected + (event.key === 'ArrowDown' ? 1 : -1));
      } else if (event.key === 'Enter') {
        clearTimeout(timer);
        if (list.hidden || list.childElementCount === 0) render();
        const link = options()[Math.max(selected, 0)]?.querySelector('a');
        if (link) {
          event.preventDefault();
          location.hash = link.getAttribute('href') || '';
          close();
        }
      } else if (event.key === 'Escape') {
        close();
      }
    });
    list.addEventListener('click', (event) => {
      if (event.target instanceof Element && event.target.closest('a')) close();
    });
    document.addEventListener('click', (event) => {
      if (event.target instanceof Node && !list.contains(event.target) && event.target !== input) close();
    });
  };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
