/* /explore/: the PSR tree (children loaded on demand), the search and the map, all read from the public API. */
(function () {
  "use strict";

  const LIST = "/power-system-resources";
  const TREE_PAGE = 100; // children shown at once; "Show more" fetches the next page (CISO has 1,300)
  const SEARCH_PAGE = 50;
  const MAP_PAGE = 1000; // the API's largest page: 3,900 plants in four requests
  const SEARCH_DELAY_MS = 250;
  // Blue points and orange outlines: a pair told apart with every common colour blindness (ColorBrewer's PuOr/RdBu).
  const POINT_STYLE = { color: "#08306b", weight: 1, fillColor: "#2171b5", fillOpacity: 0.8 };
  const OUTLINE_STYLE = { color: "#b35806", weight: 2, fillColor: "#f1a340", fillOpacity: 0.15 };

  // --- helpers ------------------------------------------------------------------------------------------------

  async function getJson(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    let body = null;
    try {
      body = await response.json();
    } catch (error) {
      body = null; // a proxy's HTML error page: reported below by its status
    }
    if (!response.ok) {
      const detail = (body && (body.detail || body.title)) || response.statusText;
      throw new Error(`the API answered ${response.status} (${detail})`);
    }
    return body;
  }

  function listUrl(params) {
    return `${LIST}?${new URLSearchParams(params)}`;
  }

  function psrHref(id) {
    return `/explore/psr/${encodeURIComponent(id)}`;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined) node.setAttribute(name, value);
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  function setStatus(node, text, isError) {
    node.textContent = text;
    node.classList.toggle("error", Boolean(isError));
  }

  // The PSR as a link to its page, with its name and level beside.
  function psrLabel(psr) {
    const parts = [el("a", { href: psrHref(psr.id) }, psr.id)];
    if (psr.name) parts.push(" ", el("span", { class: "psr-name" }, psr.name));
    parts.push(" ", el("span", { class: "psr-level" }, psr.level));
    return parts;
  }

  // Lists a paged API answer into `list`, page by page: a "Show more" button fetches the next page and moves the
  // focus to the first new item, so a keyboard user carries on where the list grew.
  async function pagedList({ list, url, keep, render, status, describe }) {
    let shown = 0;
    let moreItem = null;
    async function load(pageUrl, focusNew) {
      const body = await getJson(pageUrl);
      const items = body.power_system_resources.filter(keep || (() => true));
      if (moreItem) moreItem.remove();
      let first = null;
      for (const psr of items) {
        const item = render(psr);
        first = first || item;
        list.append(item);
      }
      shown += items.length;
      if (focusNew && first) first.querySelector("a").focus();
      if (body.next) {
        const button = el("button", { type: "button", class: "more" }, `Show more (${shown} shown)`);
        button.addEventListener("click", () => {
          button.disabled = true;
          load(body.next, true).catch((error) => {
            button.disabled = false;
            setStatus(status, `Could not load more: ${error.message}.`, true);
          });
        });
        moreItem = el("li", {}, button);
        list.append(moreItem);
      } else {
        moreItem = null;
      }
      if (describe) setStatus(status, describe(shown, Boolean(body.next)));
    }
    await load(url, false);
  }

  // --- the tree -----------------------------------------------------------------------------------------------

  async function topologyLevels() {
    const levels = [];
    let url = "/metadata/topology-levels?pageSize=1000";
    while (url) {
      const body = await getJson(url);
      levels.push(...body.topology_levels);
      url = body.next;
    }
    return levels;
  }

  function treeItem(psr, levelNumbers, deepest) {
    const item = el("li");
    const row = el("div", { class: "node" });
    const number = levelNumbers.get(psr.level);
    // A PSR at the deepest level has no children: no button to open it.
    if (number !== undefined && number >= deepest) {
      row.append(el("span", { class: "leaf", "aria-hidden": "true" }), ...psrLabel(psr));
      item.append(row);
      return item;
    }
    const childrenId = `children-${psr.id}`;
    const toggle = el("button", {
      type: "button",
      class: "toggle",
      "aria-expanded": "false",
      "aria-controls": childrenId,
      "aria-label": `Children of ${psr.id}`,
    });
    const status = el("p", { class: "status", role: "status", hidden: "" });
    const children = el("ul", { id: childrenId, hidden: "" });
    let loaded = false;
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      children.hidden = !open;
      status.hidden = !open;
      if (!open || loaded) return;
      loaded = true;
      setStatus(status, "Loading the children\u2026");
      pagedList({
        list: children,
        url: listUrl({ parent: psr.id, pageSize: TREE_PAGE }),
        render: (child) => treeItem(child, levelNumbers, deepest),
        status,
        describe: (shown, more) => (shown === 0 ? "No children." : more ? `The first ${shown} children.` : ""),
      }).catch((error) => {
        loaded = false;
        setStatus(status, `Could not load the children of ${psr.id}: ${error.message}.`, true);
      });
    });
    row.append(toggle, ...psrLabel(psr));
    item.append(row, status, children);
    return item;
  }

  async function drawTree() {
    const tree = document.getElementById("psr-tree");
    const status = document.getElementById("tree-status");
    try {
      const levels = await topologyLevels();
      const levelNumbers = new Map(levels.map((level) => [level.id, level.level]));
      const numbers = [...new Set(levels.map((level) => level.level))].sort((a, b) => a - b);
      const deepest = numbers.length ? numbers[numbers.length - 1] : 0;
      // The roots: the PSRs without a parent at the first level number that has any.
      for (const number of numbers) {
        await pagedList({
          list: tree,
          url: listUrl({ level: number, pageSize: TREE_PAGE }),
          keep: (psr) => psr.parent === null,
          render: (psr) => treeItem(psr, levelNumbers, deepest),
          status,
          describe: (shown, more) => (more ? `The first ${shown} PSRs at the top of the tree.` : ""),
        });
        if (tree.children.length) return;
      }
      setStatus(status, "This server holds no power system resources yet.");
    } catch (error) {
      setStatus(status, `Could not load the tree: ${error.message}.`, true);
    }
  }

  // --- the search ---------------------------------------------------------------------------------------------

  function setUpSearch() {
    const form = document.getElementById("psr-search");
    const input = document.getElementById("search-input");
    const results = document.getElementById("search-results");
    const status = document.getElementById("search-status");
    let asked = 0; // answers to an older search than the last one are dropped
    let timer = null;

    async function search() {
      const text = input.value.trim();
      const ticket = ++asked;
      // The search lives in the URL, so that a search can be shared or reloaded.
      const shared = text ? `?${new URLSearchParams({ search: text })}` : window.location.pathname;
      window.history.replaceState(null, "", shared);
      results.replaceChildren();
      if (!text) {
        setStatus(status, "");
        return;
      }
      setStatus(status, "Searching\u2026");
      try {
        const body = await getJson(listUrl({ search: text, pageSize: SEARCH_PAGE }));
        if (ticket !== asked) return;
        const items = body.power_system_resources;
        if (!items.length) {
          setStatus(status, `No PSR has \u201c${text}\u201d in its id, name or external identifiers.`);
          return;
        }
        for (const psr of items) results.append(el("li", {}, ...psrLabel(psr)));
        const more = body.next ? ` (the first ${items.length}; type more to narrow it down)` : "";
        setStatus(status, `${items.length === 1 ? "1 PSR" : `${items.length} PSRs`} found${more}.`);
      } catch (error) {
        if (ticket === asked) setStatus(status, `The search failed: ${error.message}.`, true);
      }
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      clearTimeout(timer);
      search();
    });
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(search, SEARCH_DELAY_MS);
    });
    // A shared link /explore/?search=eia:CISO opens with its search done.
    const initial = new URLSearchParams(window.location.search).get("search");
    if (initial) {
      input.value = initial;
      search();
    }
  }

  // --- the map ------------------------------------------------------------------------------------------------

  function popupFor(psr) {
    const box = el("div");
    box.append(el("a", { href: psrHref(psr.id) }, psr.name || psr.id));
    box.append(el("br"), el("span", { class: "psr-name" }, `${psr.id} (${psr.level})`));
    return box;
  }

  async function drawMap() {
    const node = document.getElementById("psr-map");
    const status = document.getElementById("map-status");
    if (typeof L === "undefined") {
      setStatus(status, "The map library did not load.", true);
      return;
    }
    const map = L.map(node, { worldCopyJump: true }).setView([30, 0], 2);
    if (node.dataset.tileUrl) {
      L.tileLayer(node.dataset.tileUrl, { attribution: node.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
    }
    // Thousands of plants: circle markers on one canvas (SVG would make a DOM node each); outlines stay SVG.
    const canvas = L.canvas({ padding: 0.5 });
    const shapes = L.featureGroup().addTo(map);
    let points = 0;
    let outlines = 0;
    let skipped = 0;
    try {
      let url = listUrl({ located: "true", pageSize: MAP_PAGE });
      while (url) {
        const body = await getJson(url);
        for (const psr of body.power_system_resources) {
          let shape;
          try {
            shape = L.geoJSON(psr.geojson, {
              pointToLayer: (feature, latlng) => L.circleMarker(latlng, { renderer: canvas, radius: 4 }),
              // GeoJSON applies its style to every layer it makes, circle markers included.
              style: (feature) => (/Point$/.test(feature.geometry.type) ? POINT_STYLE : OUTLINE_STYLE),
            });
          } catch (error) {
            skipped += 1; // a shape Leaflet cannot draw; the API validated it, so this is rare
            continue;
          }
          let onlyPoints = true;
          shape.eachLayer((layer) => {
            if (!(layer instanceof L.CircleMarker)) onlyPoints = false;
          });
          if (onlyPoints) points += 1;
          else outlines += 1;
          shape.bindPopup(() => popupFor(psr));
          shape.addTo(shapes);
        }
        url = body.next;
        setStatus(status, `Loading\u2026 ${points + outlines} PSRs so far.`);
      }
    } catch (error) {
      setStatus(status, `Could not load the locations: ${error.message}.`, true);
      return;
    }
    node.dataset.points = String(points);
    node.dataset.outlines = String(outlines);
    const total = points + outlines;
    if (total) map.fitBounds(shapes.getBounds(), { padding: [16, 16], maxZoom: 9 });
    const skippedText = skipped ? ` ${skipped} could not be drawn.` : "";
    setStatus(
      status,
      total
        ? `${total} PSRs have a location: ${points} shown as points, ${outlines} as outlines.${skippedText}`
        : "No PSR has a location yet.",
    );
    node.dataset.ready = "true";
  }

  setUpSearch();
  drawTree();
  drawMap();
})();
