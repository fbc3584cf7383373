// The node's web page. Plain JavaScript, no build step. Everything live arrives over server-sent events
// (GET /api/events); actions are the node's own HTTP API (POST /peer, POST /record, DELETE /api/peers/{address}).
(() => {
  'use strict';

  const PAGE_SIZE = 25;
  const MAX_REMOTE_STREAMS = 12;
  const MAX_NODES_DRAWN = 24;
  const HOP_MS = 450;
  const QUIET_MS = 2500;
  const SVG_NS = 'http://www.w3.org/2000/svg';

  const $ = (id) => document.getElementById(id);
  const numbers = new Intl.NumberFormat();
  const shortId = (id) => (id ? id.slice(0, 8) : '');

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    if (props) {
      for (const [name, value] of Object.entries(props)) {
        if (value === undefined || value === null) continue;
        if (name === 'class') node.className = value;
        else if (name === 'text') node.textContent = value;
        else if (name.startsWith('data-') || name.startsWith('aria-') || name === 'href' || name === 'title' || name === 'target' || name === 'rel') node.setAttribute(name, value);
        else node[name] = value;
      }
    }
    node.append(...children.filter((c) => c !== null && c !== undefined));
    return node;
  }

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
    return node;
  }

  // ---------------------------------------------------------------- this node's stream

  let hello = null;

  function connect() {
    const events = new EventSource('/api/events');
    events.addEventListener('hello', (e) => onHello(JSON.parse(e.data)));
    events.addEventListener('state', (e) => onState(JSON.parse(e.data)));
    events.addEventListener('record', (e) => onRecord(JSON.parse(e.data)));
    events.addEventListener('gap', () => records.reloadSoon());
    events.onopen = () => setLive('live', 'Live');
    events.onerror = () => {
      if (events.readyState === EventSource.CLOSED) setLive('down', 'Disconnected: reload the page');
      else setLive('connecting', 'Reconnecting…');
    };
  }

  function setLive(state, text) {
    const live = $('live');
    if (live.dataset.state === state && live.textContent === text) return;
    live.dataset.state = state;
    live.textContent = text;
  }

  function onHello(h) {
    hello = h;
    $('node-address').textContent = h.address;
    $('node-id').textContent = h.nodeId;
    document.title = `P2P node ${h.address}`;
    network.setSelf(h);
    records.start(h.records);
  }

  function onState(s) {
    renderCounters(s);
    renderPeers(s.peers);
    renderInbound(s.inbound);
    network.onState(network.selfKey(), s);
  }

  function onRecord(r) {
    records.add(r);
    network.onRecord(network.selfKey(), r);
  }

  // ---------------------------------------------------------------- counters

  function renderCounters(s) {
    // Every open link counts: those this node dialed and those other nodes opened to it.
    const connected = s.peers.filter((p) => p.state === 'Connected').length + s.inbound.length;
    const values = {
      records: s.records, peers: connected, published: s.totals.published, received: s.totals.received,
      stored: s.totals.stored, duplicates: s.totals.duplicates, rejected: s.totals.rejected, dropped: s.totals.dropped,
    };
    for (const dd of document.querySelectorAll('[data-counter]')) {
      const text = numbers.format(values[dd.dataset.counter] ?? 0);
      if (dd.textContent !== text) {
        dd.textContent = text;
        dd.classList.remove('bump');
        void dd.offsetWidth; // restart the animation
        dd.classList.add('bump');
      }
    }
  }

  // ---------------------------------------------------------------- peer tables (rows are keyed, so focus survives updates)

  const peerRows = new Map();
  const inboundRows = new Map();

  function setCell(td, text) {
    if (td.textContent !== text) td.textContent = text;
  }

  function renderPeers(peers) {
    const table = $('peers');
    const body = table.tBodies[0];
    const labels = [...table.tHead.rows[0].cells].map((c) => c.textContent);
    const seen = new Set();
    for (const p of [...peers].sort((a, b) => a.address.localeCompare(b.address))) {
      seen.add(p.address);
      let row = peerRows.get(p.address);
      if (!row) {
        row = el('tr', { 'data-address': p.address });
        for (let i = 0; i < 8; i++) row.append(el('td', { 'data-label': labels[i] }));
        const button = el('button', { type: 'button', class: 'secondary', text: 'Disconnect', 'aria-label': `Disconnect ${p.address}` });
        button.addEventListener('click', () => disconnectPeer(p.address, button));
        row.append(el('td', { 'data-label': '' }, button));
        peerRows.set(p.address, row);
      }
      const cells = row.cells;
      setCell(cells[0], p.address);
      setCell(cells[1], shortId(p.nodeId));
      cells[1].title = p.nodeId || '';
      if (!cells[2].firstChild) cells[2].append(el('span', { class: 'state' }));
      const state = cells[2].firstChild;
      state.dataset.state = p.state;
      setCell(state, p.state === 'Retrying' && p.attempts ? `Retrying (${p.attempts})` : p.state);
      setCell(cells[3], p.origin);
      setCell(cells[4], numbers.format(p.lag));
      setCell(cells[5], numbers.format(p.sent));
      setCell(cells[6], numbers.format(p.received));
      setCell(cells[7], p.lastError || '');
      for (const i of [4, 5, 6]) cells[i].classList.add('num');
      body.append(row); // keeps sorted order; moving a row keeps its focus
    }
    for (const [address, row] of peerRows) {
      if (seen.has(address)) continue;
      if (row.contains(document.activeElement)) $('peers-heading').focus();
      row.remove();
      peerRows.delete(address);
    }
    $('peers-count').textContent = peers.length ? `(${peers.length})` : '';
    $('peers-empty').hidden = peers.length > 0;
    table.hidden = peers.length === 0;
  }

  function renderInbound(sessions) {
    const table = $('inbound');
    const body = table.tBodies[0];
    const labels = [...table.tHead.rows[0].cells].map((c) => c.textContent);
    const seen = new Set();
    for (const s of [...sessions].sort((a, b) => (a.address || a.remote).localeCompare(b.address || b.remote))) {
      seen.add(s.remote);
      let row = inboundRows.get(s.remote);
      if (!row) {
        row = el('tr');
        for (let i = 0; i < 6; i++) row.append(el('td', { 'data-label': labels[i] }));
        inboundRows.set(s.remote, row);
      }
      const cells = row.cells;
      setCell(cells[0], s.remote);
      setCell(cells[1], s.address || '');
      setCell(cells[2], shortId(s.nodeId));
      cells[2].title = s.nodeId || '';
      setCell(cells[3], new Date(s.connectedAt).toLocaleTimeString());
      setCell(cells[4], numbers.format(s.received));
      setCell(cells[5], numbers.format(s.rejected));
      cells[4].classList.add('num');
      cells[5].classList.add('num');
      body.append(row);
    }
    for (const [remote, row] of inboundRows) {
      if (!seen.has(remote)) {
        row.remove();
        inboundRows.delete(remote);
      }
    }
    $('inbound-empty').hidden = sessions.length > 0;
    table.hidden = sessions.length === 0;
  }

  // ---------------------------------------------------------------- the API key, for the calls that change the node
  //
  // Never in a URL, never in a cookie (a cookie would ride along with a cross-site request; a header cannot).
  // Served to a browser on the node's own machine, the page carries a token that stands in for the key and that the
  // node accepts from loopback clients only. Elsewhere the page asks for the key on the first 401 and keeps it in
  // sessionStorage: this tab, this origin, gone when the tab closes.

  const credentials = (() => {
    const STORAGE = 'p2p-api-key';
    let pageToken = document.querySelector('meta[name="p2p-api-token"]')?.content || null;
    const dialog = $('key-dialog');
    const input = $('key-value');
    let answer = null;

    function stored() {
      try { return sessionStorage.getItem(STORAGE); } catch { return null; }
    }

    function current() { return pageToken || stored(); }

    // The credential was refused: drop it, and ask for the key (null if the person cancels).
    function askAfterRefusal(message) {
      if (pageToken) pageToken = null;
      else try { sessionStorage.removeItem(STORAGE); } catch { /* storage off: the key lives for this call only */ }
      $('key-reason').textContent = message;
      input.value = '';
      dialog.showModal();
      input.focus();
      return new Promise((resolve) => { answer = resolve; });
    }

    function close(key) {
      if (dialog.open) dialog.close();
      const resolve = answer;
      answer = null;
      if (key) try { sessionStorage.setItem(STORAGE, key); } catch { /* kept only in this call */ }
      resolve?.(key);
    }

    $('key-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const key = input.value.trim();
      if (key) close(key);
    });
    $('key-cancel').addEventListener('click', () => close(null));
    dialog.addEventListener('cancel', () => close(null));

    return { current, askAfterRefusal };
  })();

  // ---------------------------------------------------------------- calling the API; errors are shown as the API states them

  async function callApi(method, url, body, timeoutMs) {
    let result = await callOnce(method, url, body, timeoutMs, credentials.current());
    // 401: the node wants its key. Ask, retry with it; a wrong one is refused again and asked for again.
    while (result.status === 401) {
      const key = await credentials.askAfterRefusal(result.message);
      if (!key) break;
      result = await callOnce(method, url, body, timeoutMs, key);
    }
    return result;
  }

  async function callOnce(method, url, body, timeoutMs, key) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (key) headers['X-Api-Key'] = key;
    let response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      return { ok: false, status: 0, message: err.name === 'TimeoutError' ? `No answer within ${timeoutMs / 1000} s` : `The node did not answer: ${err.message}` };
    }
    const raw = await response.text();
    let data = null;
    try { data = raw ? JSON.parse(raw) : null; } catch { /* not JSON: shown raw */ }
    let message;
    if (data && typeof data === 'object') {
      const head = data.message ?? data.title ?? response.statusText;
      message = !response.ok && data.detail ? `${head}: ${data.detail}` : head;
    } else {
      message = raw || response.statusText;
    }
    return { ok: response.ok, status: response.status, data, message };
  }

  function showResult(target, result) {
    target.className = `result ${result.ok ? 'ok' : 'error'}`;
    target.replaceChildren(
      el('span', { class: 'status', text: result.status ? `${result.status} ` : 'Error ' }),
      el('span', { class: 'message', text: result.message }));
  }

  // Marks a button busy without disabling it: a disabled button would drop the keyboard focus.
  async function busy(button, work) {
    if (button.getAttribute('aria-disabled') === 'true') return null;
    button.setAttribute('aria-disabled', 'true');
    button.setAttribute('aria-busy', 'true');
    try { return await work(); } finally {
      button.removeAttribute('aria-disabled');
      button.removeAttribute('aria-busy');
    }
  }

  function setupForms() {
    const recordForm = $('record-form');
    const recordValue = $('record-value');
    recordForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      const text = recordValue.value;
      const asJson = recordForm.elements.kind.value === 'json';
      // JSON is sent as typed, so the node's own validation speaks for it.
      const body = asJson ? `{"record": ${text}}` : JSON.stringify({ record: text });
      const result = await busy(recordForm.querySelector('button[type=submit]'), () => callApi('POST', '/record', body, 15000));
      if (!result) return;
      if (result.ok && result.data?.key) result.message += ` (key ${result.data.key})`;
      showResult($('record-result'), result);
      if (result.ok) recordValue.value = '';
    });
    recordValue.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        recordForm.requestSubmit();
      }
    });

    const peerForm = $('peer-form');
    peerForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      const target = $('peer-target').value.trim();
      const output = $('peer-result');
      const result = await busy(peerForm.querySelector('button[type=submit]'), () => {
        output.className = 'result';
        output.textContent = target ? `Connecting to ${target}…` : '';
        return callApi('POST', '/peer', JSON.stringify({ targetUrl: target }), 30000);
      });
      if (!result) return;
      showResult(output, result);
      if (result.ok) $('peer-target').value = '';
    });
  }

  async function disconnectPeer(address, button) {
    const result = await busy(button, () => callApi('DELETE', `/api/peers/${encodeURIComponent(address)}`, undefined, 15000));
    if (result) showResult($('peers-result'), result);
  }

  // ---------------------------------------------------------------- records: newest first, paged by position

  const records = (() => {
    const list = $('records');
    let total = 0;
    let before = null; // null: the newest page, which new records join live
    let items = [];
    let next = null;
    let loading = false;
    let pending = [];
    let unseen = 0;
    let reloadTimer = 0;

    function valueNode(value) {
      if (value === undefined) return el('div', { class: 'text', text: '' });
      if (typeof value === 'string') return el('div', { class: 'text', text: clip(value) });
      return el('pre', { text: clip(JSON.stringify(value, null, 2)) });
    }

    function clip(text) {
      return text.length > 4000 ? `${text.slice(0, 4000)}… (${numbers.format(text.length - 4000)} more characters)` : text;
    }

    function item(r, fresh) {
      const meta = el('div', { class: 'meta' },
        el('span', { text: `#${numbers.format(r.position + 1)}` }),
        el('span', {}, 'key ', el('code', { text: r.key })),
        el('span', { text: r.hops === 0 ? 'created here' : `${r.hops} hop${r.hops === 1 ? '' : 's'} from ${shortId(r.origin) || 'an unknown node'}` }),
        r.unverified ? el('span', { class: 'unverified', text: 'unverified', title: 'From a node that cannot sign (the tutorial\'s): its author is unknown' }) : null,
        r.createdAt ? el('time', { dateTime: new Date(r.createdAt).toISOString(), text: new Date(r.createdAt).toLocaleTimeString() }) : null,
        traceLink(r));
      return el('li', { class: fresh ? 'fresh' : '', 'data-key': r.key, 'data-position': String(r.position) }, valueNode(r.value), meta);
    }

    function traceLink(r) {
      if (!hello?.dashboardUrl || !r.traceId) return null;
      return el('a', {
        href: `${hello.dashboardUrl}/traces/detail/${encodeURIComponent(r.traceId)}`, target: '_blank', rel: 'noopener',
        text: 'trace', 'aria-label': `Trace of record ${r.key} in the Aspire dashboard`,
      });
    }

    function render() {
      list.replaceChildren(...items.map((r) => item(r, false)));
      renderPager();
    }

    function renderPager() {
      $('records-count').textContent = total ? `(${numbers.format(total)})` : '';
      $('records-empty').hidden = total > 0;
      const disable = (id, off) => {
        const button = $(id);
        if (off && document.activeElement === button) $('records-heading').focus(); // a disabled button drops focus
        button.disabled = off;
      };
      disable('page-newest', before === null);
      disable('page-newer', before === null);
      disable('page-older', next === null);
      const info = $('page-info');
      if (!items.length) info.textContent = '';
      else {
        const newest = items[0].position + 1;
        const oldest = items[items.length - 1].position + 1;
        info.textContent = `#${numbers.format(newest)}–#${numbers.format(oldest)} of ${numbers.format(total)}`;
      }
      $('records-note').textContent = before === null || unseen === 0
        ? 'Newest first; new records appear at the top.'
        : `Newest first. ${numbers.format(unseen)} newer record${unseen === 1 ? ' has' : 's have'} arrived since: "Newest" shows them.`;
    }

    async function load(cursor) {
      loading = true;
      const url = `/api/records?limit=${PAGE_SIZE}${cursor === null ? '' : `&before=${cursor}`}`;
      const result = await callApi('GET', url, undefined, 15000);
      loading = false;
      if (!result.ok) {
        $('records-note').textContent = `Could not load records: ${result.message}`;
        return;
      }
      const page = result.data;
      total = Math.max(total, page.total);
      before = cursor === null || page.before >= total ? null : page.before;
      items = page.items;
      next = page.next ?? null;
      if (before === null) unseen = 0;
      render();
      const queued = pending;
      pending = [];
      for (const r of queued) add(r);
    }

    function add(r) {
      total = Math.max(total, r.position + 1);
      if (loading) {
        pending.push(r);
        return;
      }
      if (before !== null) {
        unseen++;
        renderPager();
        return;
      }
      if (items.length && r.position <= items[0].position) return; // already shown
      items.unshift(r);
      list.prepend(item(r, true));
      if (items.length > PAGE_SIZE) {
        items.length = PAGE_SIZE;
        next = items[items.length - 1].position;
        while (list.children.length > PAGE_SIZE) list.lastElementChild.remove();
      }
      renderPager();
    }

    function start(count) {
      total = count;
      pending = [];
      unseen = 0;
      load(null);
    }

    function reloadSoon() {
      clearTimeout(reloadTimer);
      reloadTimer = setTimeout(() => { if (before === null) load(null); }, 500);
    }

    $('page-newest').addEventListener('click', () => load(null));
    $('page-older').addEventListener('click', () => { if (next !== null) load(next); });
    $('page-newer').addEventListener('click', () => {
      if (!items.length) return load(null);
      const cursor = items[0].position + 1 + PAGE_SIZE;
      return load(cursor >= total ? null : cursor);
    });

    return { start, add, reloadSoon };
  })();

  // ---------------------------------------------------------------- network view: nodes, links, a record spreading

  const network = (() => {
    const view = $('network');
    const layers = { links: view.querySelector('.links'), dots: view.querySelector('.dots'), nodes: view.querySelector('.nodes') };
    const W = 800;
    const H = 300;
    const nodes = new Map(); // key (lower-case host:port) -> { key, address, httpUrl, nodeId, self, state, stream, reachable, g }
    const ids = new Map(); // node id -> key, so one node reached under two names is drawn once
    const linkEls = new Map();
    const spreads = new Map(); // record key -> { t0, got: Map(node key -> hops) }
    let selfKey = null;
    let latestRecord = null;
    let lastAnimatedAt = -Infinity;
    let drawn = [];

    const keyOf = (address) => address.toLowerCase();
    const httpOf = (wsUrl) => wsUrl.replace(/^ws/, 'http');

    function resolve(address, nodeId) {
      if (nodeId && ids.has(nodeId)) return ids.get(nodeId);
      return keyOf(address);
    }

    function ensure(key, address, url, nodeId) {
      let n = nodes.get(key);
      if (!n) {
        n = { key, address, httpUrl: url, nodeId: null, self: false, state: null, stream: null, reachable: true, g: null };
        nodes.set(key, n);
      }
      if (nodeId && !n.nodeId) {
        n.nodeId = nodeId;
        ids.set(nodeId, key);
      }
      return n;
    }

    function setSelf(h) {
      selfKey = keyOf(h.address);
      const n = ensure(selfKey, h.address, h.httpUrl, h.nodeId);
      n.self = true;
      rebuild();
    }

    function onState(key, s) {
      const n = nodes.get(key);
      if (!n) return;
      n.state = s;
      n.reachable = true;
      rebuild();
    }

    // Directed links: X -> P for every connected peer P that X dialed; P -> X for every link P opened to X. A link between
    // two of our nodes (the peer has a node id) carries records both ways, whoever dialed it; a tutorial node's, one way.
    function edges() {
      const out = [];
      for (const n of nodes.values()) {
        if (!n.state) continue;
        for (const p of n.state.peers) {
          if (p.state !== 'Connected') continue;
          out.push([n.key, resolve(p.address, p.nodeId)]);
          if (p.nodeId) out.push([resolve(p.address, p.nodeId), n.key]);
        }
        for (const s of n.state.inbound) {
          if (!s.address) continue;
          out.push([resolve(s.address, s.nodeId), n.key]);
          if (s.nodeId) out.push([n.key, resolve(s.address, s.nodeId)]);
        }
      }
      return out;
    }

    function rebuild() {
      if (!selfKey) return;
      // Learn every node the known states mention, then keep those reachable from this node (breadth first).
      for (const n of [...nodes.values()]) {
        if (!n.state) continue;
        for (const p of n.state.peers) ensure(resolve(p.address, p.nodeId), p.address, httpOf(p.url), p.nodeId);
        for (const s of n.state.inbound) if (s.address) ensure(resolve(s.address, s.nodeId), s.address, `http://${s.address}`, s.nodeId);
      }
      const links = edges();
      const neighbours = new Map();
      const mentioned = new Map();
      for (const n of nodes.values()) {
        if (!n.state) continue;
        mentioned.set(n.key, [
          ...n.state.peers.map((p) => resolve(p.address, p.nodeId)),
          ...n.state.inbound.filter((s) => s.address).map((s) => resolve(s.address, s.nodeId)),
        ]);
      }
      for (const [a, b] of links) {
        if (!neighbours.has(a)) neighbours.set(a, new Set());
        if (!neighbours.has(b)) neighbours.set(b, new Set());
        neighbours.get(a).add(b);
        neighbours.get(b).add(a);
      }
      const keep = [selfKey];
      const seen = new Set(keep);
      for (let i = 0; i < keep.length && keep.length < MAX_NODES_DRAWN; i++) {
        for (const k of [...(mentioned.get(keep[i]) || []), ...(neighbours.get(keep[i]) || [])]) {
          if (!seen.has(k) && nodes.has(k) && keep.length < MAX_NODES_DRAWN) {
            seen.add(k);
            keep.push(k);
          }
        }
      }
      for (const [key, n] of nodes) {
        if (seen.has(key)) continue;
        n.stream?.close();
        n.g?.remove();
        nodes.delete(key);
        if (n.nodeId && ids.get(n.nodeId) === key) ids.delete(n.nodeId);
      }
      // Follow the other nodes' own event streams (this node only knows its own peers).
      let streams = 0;
      for (const key of keep) {
        const n = nodes.get(key);
        if (n.self) continue;
        if (n.stream) { streams++; continue; }
        if (streams >= MAX_REMOTE_STREAMS) continue;
        streams++;
        follow(n);
      }
      draw(keep, links);
    }

    function follow(n) {
      let events;
      try {
        events = new EventSource(`${n.httpUrl}/api/events?values=false`);
      } catch {
        n.reachable = false;
        return;
      }
      n.stream = events;
      events.addEventListener('hello', (e) => {
        const h = JSON.parse(e.data);
        if (!n.nodeId) { n.nodeId = h.nodeId; ids.set(h.nodeId, n.key); }
      });
      events.addEventListener('state', (e) => onState(n.key, JSON.parse(e.data)));
      events.addEventListener('record', (e) => onRecord(n.key, JSON.parse(e.data)));
      events.onopen = () => { n.reachable = true; n.g?.classList.remove('unreachable'); };
      events.onerror = () => {
        n.reachable = false;
        n.g?.classList.add('unreachable');
      };
    }

    function layout(keys) {
      const pos = new Map();
      const others = keys.filter((k) => k !== selfKey).sort();
      const ordered = [selfKey, ...others];
      const count = ordered.length;
      // An ellipse as wide as the view; two nodes side by side, more with this node at the top.
      const rx = W / 2 - 70;
      const ry = H / 2 - 50;
      const start = count === 2 ? Math.PI : -Math.PI / 2;
      ordered.forEach((k, i) => {
        if (count === 1) pos.set(k, { x: W / 2, y: H / 2 - 10 });
        else {
          const angle = start + (2 * Math.PI * i) / count;
          pos.set(k, { x: W / 2 + rx * Math.cos(angle), y: H / 2 - 10 + ry * Math.sin(angle) });
        }
      });
      return pos;
    }

    function label(n) {
      const self = nodes.get(selfKey);
      const selfHost = self ? self.address.slice(0, self.address.lastIndexOf(':')) : '';
      const host = n.address.slice(0, n.address.lastIndexOf(':'));
      return host === selfHost ? n.address.slice(n.address.lastIndexOf(':')) : n.address;
    }

    let positions = new Map();

    function draw(keys, links) {
      positions = layout(keys);
      drawn = keys;
      const pairs = new Map();
      for (const [a, b] of links) {
        if (!positions.has(a) || !positions.has(b) || a === b) continue;
        const id = a < b ? `${a}|${b}` : `${b}|${a}`;
        const pair = pairs.get(id) || { a: a < b ? a : b, b: a < b ? b : a, forward: false, backward: false };
        if (a === pair.a) pair.forward = true; else pair.backward = true;
        pairs.set(id, pair);
      }
      for (const [id, line] of linkEls) {
        if (!pairs.has(id)) { line.remove(); linkEls.delete(id); }
      }
      for (const [id, pair] of pairs) {
        let line = linkEls.get(id);
        if (!line) {
          line = svg('line', { class: 'link' });
          linkEls.set(id, line);
          layers.links.append(line);
        }
        const p = positions.get(pair.a);
        const q = positions.get(pair.b);
        line.setAttribute('x1', p.x); line.setAttribute('y1', p.y);
        line.setAttribute('x2', q.x); line.setAttribute('y2', q.y);
        line.classList.toggle('one-way', !(pair.forward && pair.backward));
        line.dataset.a = pair.a;
        line.dataset.b = pair.b;
      }
      for (const key of keys) {
        const n = nodes.get(key);
        const p = positions.get(key);
        if (!n.g) {
          n.g = svg('g', { class: 'node', 'data-address': n.address });
          n.g.append(svg('title'), svg('circle', { r: 18 }), svg('text', { class: 'name', dy: 36 }), svg('text', { class: 'hops', dy: 5 }));
          layers.nodes.append(n.g);
        }
        n.g.classList.toggle('self', n.self);
        n.g.classList.toggle('unreachable', !n.reachable);
        n.g.setAttribute('transform', `translate(${p.x} ${p.y})`);
        n.g.querySelector('title').textContent = `${n.address}${n.self ? ' (this node)' : ''}${n.nodeId ? `, node ${n.nodeId}` : ''}`;
        n.g.querySelector('text.name').textContent = label(n);
      }
      const names = keys.map((k) => `${nodes.get(k).address}${nodes.get(k).self ? ' (this node)' : ''}`);
      const linkNames = [...pairs.values()].map((l) => {
        // Read from this node outwards: "this ↔ peer", "peer → other".
        const flip = l.b === selfKey;
        const [from, to, forward, backward] = flip ? [l.b, l.a, l.backward, l.forward] : [l.a, l.b, l.forward, l.backward];
        return `${nodes.get(from).address} ${forward && backward ? '↔' : forward ? '→' : '←'} ${nodes.get(to).address}`;
      });
      $('network-desc').textContent = `${keys.length} node${keys.length === 1 ? '' : 's'}: ${names.join(', ')}. `
        + (linkNames.length ? `Links: ${linkNames.join('; ')}.` : 'No links.');
      view.dataset.nodes = String(keys.length);
      view.dataset.links = String(pairs.size);
    }

    function onRecord(nodeKey, r) {
      let spread = spreads.get(r.key);
      if (!spread) {
        // One record's journey is animated at a time; records arriving meanwhile are counted, not drawn.
        const now = performance.now();
        const quiet = now - lastAnimatedAt < QUIET_MS || document.hidden;
        if (!quiet) lastAnimatedAt = now;
        spread = { t0: now, got: new Map(), shown: new Set(), quiet };
        spreads.set(r.key, spread);
        if (spreads.size > 200) spreads.delete(spreads.keys().next().value);
        if (!quiet) latestRecord = r.key;
      }
      if (spread.got.has(nodeKey)) return;
      const hops = Math.max(0, Math.min(r.hops ?? 0, 10));
      spread.got.set(nodeKey, hops);
      if (spread.quiet) return;
      const from = [...spread.got.entries()].filter(([k, h]) => k !== nodeKey && h < hops && linked(k, nodeKey)).sort((x, y) => y[1] - x[1])[0]?.[0];
      const arriveAt = spread.t0 + hops * HOP_MS;
      const wait = Math.max(0, arriveAt - performance.now());
      if (from) setTimeout(() => travel(from, nodeKey), Math.max(0, wait - HOP_MS));
      setTimeout(() => arrive(nodeKey, r.key, hops), wait);
    }

    function linked(a, b) {
      return linkEls.has(a < b ? `${a}|${b}` : `${b}|${a}`);
    }

    function travel(from, to) {
      const p = positions.get(from);
      const q = positions.get(to);
      if (!p || !q) return;
      const id = from < to ? `${from}|${to}` : `${to}|${from}`;
      const line = linkEls.get(id);
      line?.classList.add('active');
      const dot = svg('circle', { class: 'dot', r: 6, cx: p.x, cy: p.y });
      layers.dots.append(dot);
      const start = performance.now();
      const step = (now) => {
        const t = Math.min(1, (now - start) / HOP_MS);
        dot.setAttribute('cx', p.x + (q.x - p.x) * t);
        dot.setAttribute('cy', p.y + (q.y - p.y) * t);
        if (t < 1) requestAnimationFrame(step);
        else {
          dot.remove();
          setTimeout(() => line?.classList.remove('active'), 300);
        }
      };
      requestAnimationFrame(step);
    }

    function arrive(nodeKey, recordKey, hops) {
      const n = nodes.get(nodeKey);
      if (n?.g) {
        n.g.classList.add('got');
        n.g.querySelector('text.hops').textContent = String(hops);
        clearTimeout(n.gotTimer);
        n.gotTimer = setTimeout(() => {
          n.g?.classList.remove('got');
          if (n.g) n.g.querySelector('text.hops').textContent = '';
        }, 1600);
      }
      const spread = spreads.get(recordKey);
      spread?.shown.add(nodeKey);
      if (recordKey !== latestRecord || !spread) return;
      const reached = [...spread.shown].filter((k) => drawn.includes(k)).length;
      $('spread').textContent = `Record ${recordKey} reached ${reached} of ${drawn.length} node${drawn.length === 1 ? '' : 's'} (number = hops from its origin).`;
    }

    return { setSelf, onState, onRecord, selfKey: () => selfKey };
  })();

  setupForms();
  connect();
})();
