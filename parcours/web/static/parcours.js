// parcours: progressive enhancement of the server-rendered pages (no framework, no build step).
// Without this script every page still reads; with it: 3D viewers, maps, "near me", offline.
(() => {
  'use strict';
  const lang = document.documentElement.lang || 'fr';

  document.querySelectorAll('.js-only').forEach((el) => { el.hidden = false; });
  document.querySelectorAll('.no-js').forEach((el) => { el.hidden = true; });

  // The language picked in the header is remembered for the next visit (the server does the
  // same for ?lang= links; this covers pages served from the offline cache).
  document.querySelectorAll('[data-remember-lang]').forEach((link) => {
    link.addEventListener('click', () => {
      document.cookie = `parcours_lang=${link.dataset.rememberLang}; path=/; max-age=31536000; samesite=lax`;
    });
  });

  if ('serviceWorker' in navigator && window.isSecureContext) {
    navigator.serviceWorker.register('/sw.js').catch(() => {});
  }

  // --- Geometry shared with guide.js: the same formulas as parcours/geo.py -----------------
  const EARTH_RADIUS_M = 6371008.8;
  const rad = (deg) => (deg * Math.PI) / 180;
  function distanceM(lat1, lon1, lat2, lon2) {
    const a = Math.sin(rad(lat2 - lat1) / 2) ** 2
      + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(rad(lon2 - lon1) / 2) ** 2;
    return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
  }
  function bearingDeg(lat1, lon1, lat2, lon2) {
    const y = Math.sin(rad(lon2 - lon1)) * Math.cos(rad(lat2));
    const x = Math.cos(rad(lat1)) * Math.sin(rad(lat2))
      - Math.sin(rad(lat1)) * Math.cos(rad(lat2)) * Math.cos(rad(lon2 - lon1));
    return ((Math.atan2(y, x) * 180) / Math.PI + 360) % 360;
  }
  const COMPASS = ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'];
  const compassPoint = (bearing) => COMPASS[Math.floor(((bearing % 360) + 22.5) / 45) % 8];
  function formatLength(metres) {
    const unit = (u, digits, value) => new Intl.NumberFormat(lang, {
      style: 'unit', unit: u, unitDisplay: 'short',
      minimumFractionDigits: digits, maximumFractionDigits: digits,
    }).format(value);
    if (metres < 1000) return unit('meter', 0, Math.round(metres / 10) * 10);
    return unit('kilometer', 1, Math.round(metres / 100) / 10);
  }
  function formatBytes(size) {
    const unit = (u, digits, value) => new Intl.NumberFormat(lang, {
      style: 'unit', unit: u, unitDisplay: 'short',
      minimumFractionDigits: digits, maximumFractionDigits: digits,
    }).format(value);
    if (size < 1e6) return unit('kilobyte', 0, Math.max(1, Math.round(size / 1000)));
    return unit('megabyte', 1, Math.round(size / 1e5) / 10);
  }
  // Save-Data, a slow connection or a reduced-data preference: models wait for a tap.
  function savingData() {
    const c = navigator.connection;
    if (c && (c.saveData || ['slow-2g', '2g', '3g'].includes(c.effectiveType))) return true;
    return window.matchMedia && window.matchMedia('(prefers-reduced-data: reduce)').matches;
  }
  const parcours = { distanceM, bearingDeg, compassPoint, formatLength, formatBytes, savingData };
  window.parcours = parcours;

  // --- 3D viewers ---------------------------------------------------------------------
  let viewerReady = null;
  function loadViewerLibrary() {
    if (!viewerReady) {
      viewerReady = new Promise((resolve, reject) => {
        const script = document.createElement('script');
        script.type = 'module';
        script.src = '/vendor/model-viewer.min.js';
        script.onerror = reject;
        document.head.appendChild(script);
        customElements.whenDefined('model-viewer').then(() => {
          const ModelViewer = customElements.get('model-viewer');
          // Self-hosted decoders: no CDN at run time, and they work offline.
          ModelViewer.meshoptDecoderLocation = '/vendor/meshopt_decoder.js';
          ModelViewer.dracoDecoderLocation = '/vendor/draco/';
          resolve(ModelViewer);
        });
      });
    }
    return viewerReady;
  }

  function orbit(viewer, how) {
    const o = viewer.getCameraOrbit();
    const step = Math.PI / 8;
    if (how === 'reset') {
      viewer.cameraOrbit = viewer.dataset.initialOrbit || 'auto auto auto';
      viewer.fieldOfView = 'auto';
      return;
    }
    const theta = o.theta + (how === 'left' ? -step : how === 'right' ? step : 0);
    const radius = o.radius * (how === 'in' ? 0.8 : how === 'out' ? 1.25 : 1);
    viewer.cameraOrbit = `${theta}rad ${o.phi}rad ${radius}m`;
  }

  function setUpViewer(viewer) {
    const figure = viewer.closest('.viewer');
    const tools = figure.querySelector('.viewer-tools');
    const status = figure.querySelector('.viewer-status');
    const loadButton = figure.querySelector('.load-model');
    tools.hidden = false;
    viewer.addEventListener('load', () => {
      viewer.dataset.loaded = 'true';
      viewer.dataset.initialOrbit = viewer.getCameraOrbit().toString();
      status.textContent = '';
    });
    viewer.addEventListener('error', () => {
      viewer.dataset.loaded = 'error';
      status.textContent = figure.dataset.errorText || '';
    });
    tools.querySelectorAll('[data-orbit]').forEach((button) => {
      button.addEventListener('click', () => orbit(viewer, button.dataset.orbit));
    });
    viewer.querySelectorAll('.hotspot').forEach((spot) => {
      spot.addEventListener('click', () => {
        const text = document.getElementById(spot.getAttribute('aria-describedby'));
        status.textContent = `${spot.textContent.trim()} : ${text ? text.textContent : ''}`;
      });
    });
    const show = () => {
      loadButton.hidden = true;
      viewer.src = viewer.dataset.src;
    };
    const pause = figure.querySelector('.pause-rotate');
    const still = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    if (viewer.dataset.autorotate === 'true' && !still && pause) {
      // Motion longer than 5 s needs a pause (WCAG 2.2.2).
      viewer.autoRotate = true;
      pause.hidden = false;
      pause.addEventListener('click', () => {
        viewer.autoRotate = !viewer.autoRotate;
        pause.setAttribute('aria-pressed', String(!viewer.autoRotate));
      });
    }
    if (savingData() || viewer.dataset.posterOnly === 'true') {
      loadButton.hidden = false;
      loadButton.addEventListener('click', show, { once: true });
    } else {
      show();
    }
  }

  const viewers = document.querySelectorAll('model-viewer[data-src]');
  if (viewers.length) {
    loadViewerLibrary().then(() => viewers.forEach(setUpViewer)).catch(() => {});
  }

  // --- Maps: Leaflet over the server-drawn plan, which stays when tiles fail ------------
  function drawMap(box, draw) {
    if (!box || !window.L) return null;
    const plain = box.querySelector('svg.plain-map');
    const holder = document.createElement('div');
    holder.className = 'leaflet-holder';
    box.appendChild(holder);
    const map = window.L.map(holder, { scrollWheelZoom: false, keyboard: true, tap: false });
    window.L.tileLayer(box.dataset.tiles, {
      attribution: box.dataset.attribution, maxZoom: 19, crossOrigin: true,
    }).addTo(map);
    const bounds = draw(map);
    if (bounds && bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20] });
    if (plain) plain.setAttribute('hidden', '');
    box.classList.add('live');
    return map;
  }
  parcours.drawMap = drawMap;

  function drawStops(map, data, onStop) {
    const L = window.L;
    if (data.route.length > 1) L.polyline(data.route, { color: '#8a3b12', weight: 5 }).addTo(map);
    data.stops.forEach((stop) => {
      L.marker([stop.lat, stop.lon], {
        title: `${stop.number}. ${stop.title}`,
        icon: L.divIcon({ className: 'stop-marker', html: String(stop.number), iconSize: [28, 28] }),
      }).on('click', () => onStop && onStop(stop.number - 1)).addTo(map);
    });
    return L.latLngBounds([...data.route, ...data.stops.map((s) => [s.lat, s.lon])]);
  }
  parcours.drawStops = drawStops;

  function drawSites(map, data) {
    const L = window.L;
    data.trails.forEach((trail) => {
      if (trail.route.length > 1) {
        L.polyline(trail.route, { color: '#8a3b12', weight: 3, opacity: 0.7 })
          .bindTooltip(trail.title).addTo(map);
      }
    });
    data.sites.forEach((site) => {
      const link = document.createElement('a');
      link.href = site.href;
      link.textContent = site.name;
      L.circleMarker([site.lat, site.lon], {
        radius: 7, color: '#fff', weight: 2, fillColor: '#8a3b12', fillOpacity: 1,
      }).bindPopup(link).addTo(map);
    });
    return L.latLngBounds(data.sites.map((s) => [s.lat, s.lon]));
  }

  const mapData = document.getElementById('map-data');
  if (mapData) {
    const data = JSON.parse(mapData.textContent);
    const draw = () => drawMap(document.getElementById('map'),
      (map) => (data.sites ? drawSites(map, data) : drawStops(map, data)));
    if (document.readyState === 'complete') draw();
    else window.addEventListener('load', draw);
  }
  if (mapData && document.getElementById('near-me')) {
    const data = JSON.parse(mapData.textContent);
    // "Near me": sorted by distance with the visitor's permission; by commune otherwise.
    const button = document.getElementById('near-me');
    const status = document.getElementById('near-status');
    const list = document.getElementById('near-list');
    if (!('geolocation' in navigator)) button.hidden = true;
    button.addEventListener('click', () => {
      status.textContent = button.dataset.waiting || '…';
      navigator.geolocation.getCurrentPosition((position) => {
        const { latitude, longitude } = position.coords;
        const sorted = data.sites
          .map((s) => ({ ...s, d: distanceM(latitude, longitude, s.lat, s.lon) }))
          .sort((a, b) => a.d - b.d);
        list.replaceChildren(...sorted.map((s) => {
          const item = document.createElement('li');
          const link = document.createElement('a');
          link.href = s.href;
          link.textContent = s.name;
          item.append(link, ` — ${formatLength(s.d)} · ${s.commune}`);
          return item;
        }));
        list.hidden = false;
        status.textContent = '';
      }, () => {
        status.textContent = button.dataset.denied || '';
      }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 60000 });
    });
  }
})();
