// The pages' one script (served by the daemon; no CDN, no build). Pages read fine without it; with it:
// the API token is kept in sessionStorage and sent as a header (never in a URL), a page answered 401
// shows a login form and, once a token is known, fetches itself again with the header; the page
// refreshes its #live part in place (same URL, so filters are kept); relative times stay current; and
// a trace's diagram is drawn with cytoscape.
(() => {
  const KEY = 'ovncp-token';
  const token = () => sessionStorage.getItem(KEY);
  const headers = () => (token() ? { Authorization: `Bearer ${token()}` } : {});

  function relative(ms) {
    const s = Math.round((Date.now() - ms) / 1000);
    if (s < 0) return 'just now';
    if (s < 60) return `${s} s ago`;
    if (s < 3600) return `${Math.floor(s / 60)} min ago`;
    if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
    return `${Math.floor(s / 86400)} d ago`;
  }
  function tickTimes() {
    for (const t of document.querySelectorAll('time[datetime]')) {
      t.textContent = relative(Date.parse(t.getAttribute('datetime')));
    }
  }

  /** Replaces the whole document with a fetched page (the page then runs this script afresh). */
  function showPage(html) {
    document.open();
    document.write(html);
    document.close();
  }

  async function loadWithToken() {
    const loading = document.getElementById('auth-loading');
    const form = document.getElementById('login-form');
    if (loading) loading.hidden = false;
    const res = await fetch(location.href, { headers: headers() });
    if (res.status === 401) {
      sessionStorage.removeItem(KEY);
      if (loading) loading.hidden = true;
      form.hidden = false;
      document.getElementById('login-error').textContent = 'That token was refused.';
      return;
    }
    showPage(await res.text());
  }

  function authShell(shell) {
    const form = document.getElementById('login-form');
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const v = document.getElementById('login-token').value.trim();
      if (!v) return;
      sessionStorage.setItem(KEY, v);
      loadWithToken();
    });
    if (token()) loadWithToken();
    else {
      form.hidden = false;
      if (shell.dataset.reason === 'invalid') {
        document.getElementById('login-error').textContent = 'That token was refused.';
      }
    }
  }

  async function refresh() {
    try {
      const res = await fetch(location.href, { headers: headers() });
      if (!res.ok) return;
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
      const fresh = doc.getElementById('live');
      const live = document.getElementById('live');
      // Keep what the user is typing: skip a refresh while a filter field has the focus.
      if (fresh && live && !live.contains(document.activeElement)) {
        live.innerHTML = fresh.innerHTML;
        document.body.dataset.refreshed = String(Date.now());
        tickTimes();
      }
    } catch {
      /* the daemon is away for a moment: try again at the next tick */
    }
  }

  function drawDiagram() {
    const data = document.getElementById('trace-graph');
    const box = document.getElementById('diagram');
    if (!data || !box || typeof window.cytoscape !== 'function') return;
    window.cy = window.cytoscape({
      container: box,
      elements: JSON.parse(data.textContent),
      style: [
        {
          selector: 'node',
          style: {
            label: 'data(label)',
            'font-size': 11,
            'text-wrap': 'wrap',
            'text-valign': 'center',
            'background-color': '#90caf9',
            shape: 'round-rectangle',
            width: 170,
            height: 36,
          },
        },
        {
          selector: '.datapath',
          style: {
            'background-color': '#eceff1',
            'border-color': '#78909c',
            'border-width': 1,
            'text-valign': 'top',
            'font-weight': 'bold',
            'font-size': 12,
          },
        },
        { selector: '.acl', style: { 'background-color': '#a5d6a7' } },
        { selector: '.drop', style: { 'background-color': '#e57373' } },
        { selector: '.backend', style: { 'background-color': '#ef9a9a' } },
        { selector: '.backend.reached', style: { 'background-color': '#a5d6a7' } },
        { selector: '.output', style: { 'background-color': '#fff59d' } },
        {
          selector: 'edge',
          style: {
            width: 2,
            'curve-style': 'bezier',
            'target-arrow-shape': 'triangle',
            'line-color': '#607d8b',
            'target-arrow-color': '#607d8b',
          },
        },
        { selector: 'edge.branch', style: { 'line-style': 'dashed' } },
      ],
      // Positions come with the elements (trace-view.ts): datapaths left to right, hops top down.
      layout: { name: 'preset', padding: 24 },
    });
    // A short trace would be blown up to fill the box: cap the zoom the layout's fit chose.
    if (window.cy.zoom() > 1) {
      window.cy.zoom(1);
      window.cy.center();
    }
  }

  function start() {
    const shell = document.getElementById('auth-shell');
    if (shell) {
      authShell(shell);
      return;
    }
    const user = document.getElementById('auth-user');
    if (user && token()) {
      user.innerHTML = '<a href="#" id="logout">sign out</a>';
      document.getElementById('logout').addEventListener('click', (ev) => {
        ev.preventDefault();
        sessionStorage.removeItem(KEY);
        location.reload();
      });
    }
    drawDiagram();
    tickTimes();
    setInterval(tickTimes, 5000);
    const every = Number(document.body.dataset.refresh);
    if (every > 0) setInterval(refresh, every * 1000);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
