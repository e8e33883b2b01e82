// Ghost's own Content API client against a server: argv = client dir, url, key.
const GhostContentAPI = require(process.argv[2]);
const api = new GhostContentAPI({ url: process.argv[3], key: process.argv[4], version: 'v6.0' });
(async () => {
  const out = {};
  const first = await api.posts.browse({ limit: 5, include: 'tags,authors' });
  const second = await api.posts.browse({ limit: 5, page: 2, include: 'tags,authors' });
  out.pagination = [first.meta.pagination, second.meta.pagination];
  const brief = (p) => ({
    slug: p.slug, title: p.title, html: (p.html || '').length,
    tags: p.tags.map((t) => t.slug), authors: p.authors.map((a) => a.slug),
    primary_author: p.primary_author && p.primary_author.slug,
  });
  out.first = first.map(brief);
  out.second = second.map(brief);
  const one = await api.posts.read({ slug: first[0].slug }, { formats: ['html', 'plaintext'] });
  out.read = { slug: one.slug, title: one.title, plaintext: one.plaintext.length };
  const tags = await api.tags.browse({ limit: 'all', include: 'count.posts' });
  out.tags = tags.map((t) => ({ slug: t.slug, posts: t.count.posts }));
  const authors = await api.authors.browse({ limit: 'all' });
  out.authors = authors.map((a) => a.slug);
  const settings = await api.settings.browse();
  out.settings = { title: settings.title, url: settings.url };
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(String(e && e.message), JSON.stringify(e && e.response && e.response.data)); process.exit(1); });
