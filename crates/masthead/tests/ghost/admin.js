// Ghost's own Admin API client against a server: argv = client dir, url, admin key,
// picture to upload. Uploads it, creates a post with it, publishes, edits (and is
// refused an edit made on an old version), deletes; prints what it saw as JSON.
const GhostAdminAPI = require(process.argv[2]);
const api = new GhostAdminAPI({ url: process.argv[3], key: process.argv[4], version: 'v6.0' });
const errorType = (e) => (e && (e.type || e.name)) || String(e);
(async () => {
  const out = {};
  const image = await api.images.upload({ file: process.argv[5], ref: 'cranes.png' });
  out.image = { url: image.url, ref: image.ref };
  const created = await api.posts.add({
    title: 'Cranes return to the harbour',
    html: '<p>The <strong>cranes</strong> are back.</p>'
      + `<figure class="kg-card kg-image-card"><img src="${image.url}" alt="Cranes"><figcaption>Two cranes at dawn</figcaption></figure>`
      + '<p>Work resumes on Monday.</p>',
    feature_image: image.url,
    feature_image_alt: 'Cranes over the quay',
    custom_excerpt: 'Work resumes on Monday.',
    tags: [{ name: 'Port Alder' }],
  }, { source: 'html' });
  out.created = { status: created.status, feature_image: created.feature_image, tags: created.tags.map((t) => t.name) };
  const published = await api.posts.edit({ id: created.id, updated_at: created.updated_at, status: 'published' });
  out.published = { status: published.status, url: published.url, published_at: published.published_at };
  const page = await fetch(published.url);
  const html = await page.text();
  out.page = { status: page.status, headline: html.includes('Cranes return to the harbour'), caption: html.includes('Two cranes at dawn') };
  const edited = await api.posts.edit({ id: created.id, updated_at: published.updated_at, title: 'Cranes return to work at the harbour' });
  out.edited = { title: edited.title, status: edited.status };
  try {
    await api.posts.edit({ id: created.id, updated_at: created.updated_at, title: 'Stale' });
    out.stale = 'accepted';
  } catch (e) {
    out.stale = errorType(e);
  }
  const read = await api.posts.read({ id: created.id }, { formats: 'html' });
  out.read = { title: read.title, html: read.html.includes('cranes') };
  await api.posts.delete({ id: created.id });
  try {
    await api.posts.read({ id: created.id });
    out.after_delete = 'found';
  } catch (e) {
    out.after_delete = errorType(e);
  }
  const gone = await fetch(published.url);
  out.gone = gone.status;
  const site = await api.site.read();
  out.site = site.title;
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(errorType(e), String(e && e.message), JSON.stringify(e && e.context)); process.exit(1); });
