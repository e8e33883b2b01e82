//! Pictures for the demo and the seed, drawn locally (nothing is downloaded): featured
//! images, a gradient in the section's colours with soft shapes, different for every
//! article; and the publication's logo, icons and social picture. Featured images go
//! through the same pipeline as uploads (`masthead_media`): a JPEG original and its
//! WebP and JPEG variants for `srcset`.

use anyhow::{anyhow, Context, Result};
use masthead_core::media::{Media, MediaVariant, NewMedia};
use masthead_core::store::Store;
use masthead_media::{Files, Kind};
use std::path::Path;

pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 675;

/// Two colours per section, in navigation order; repeats if there are more sections.
const PALETTES: &[([u8; 3], [u8; 3])] = &[
    ([22, 54, 92], [120, 170, 210]),  // World
    ([20, 70, 60], [200, 180, 90]),   // Business
    ([40, 20, 80], [60, 180, 200]),   // Technology
    ([10, 40, 70], [150, 90, 200]),   // Science
    ([120, 30, 40], [240, 190, 170]), // Health
    ([20, 90, 40], [230, 220, 120]),  // Sports
    ([90, 20, 90], [250, 150, 90]),   // Entertainment
    ([30, 80, 40], [160, 210, 150]),  // Environment
    ([60, 40, 30], [230, 200, 160]),  // Opinion
    ([30, 30, 50], [180, 180, 210]),  // News Analysis
    ([80, 60, 20], [240, 220, 170]),  // Blog
];

fn mix(a: u8, b: u8, t: f32) -> u8 {
    (f32::from(a) + (f32::from(b) - f32::from(a)) * t.clamp(0.0, 1.0)).round() as u8
}

/// The picture for article `index` of section `section`, at full size.
pub fn draw(section: usize, index: u32) -> image::RgbImage {
    let (from, to) = PALETTES[section % PALETTES.len()];
    // A tiny deterministic generator for the shapes' places and sizes.
    let mut state = u64::from(index).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (section as u64 + 1);
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % 10_000) as f32 / 10_000.0
    };
    let circles: Vec<(f32, f32, f32, f32)> = (0..5)
        .map(|_| {
            (
                next() * WIDTH as f32,
                next() * HEIGHT as f32,
                60.0 + next() * 260.0,
                0.12 + next() * 0.2,
            )
        })
        .collect();
    let angle = next();
    image::RgbImage::from_fn(WIDTH, HEIGHT, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        let t = (fx / WIDTH as f32) * angle + (fy / HEIGHT as f32) * (1.0 - angle);
        let mut rgb = [
            mix(from[0], to[0], t),
            mix(from[1], to[1], t),
            mix(from[2], to[2], t),
        ];
        for (cx, cy, r, strength) in &circles {
            let d = ((fx - cx).powi(2) + (fy - cy).powi(2)).sqrt();
            if d < *r {
                let glow = strength * (1.0 - d / r);
                for c in &mut rgb {
                    *c = mix(*c, 255, glow);
                }
            }
        }
        image::Rgb(rgb)
    })
}

/// A picture to draw and record in the media library.
pub struct Picture<'a> {
    /// File name without extension, unique in its directory.
    pub name: &'a str,
    /// Section (palette) and article index, which choose the drawing.
    pub section: usize,
    pub index: u32,
    pub alt: &'a str,
    pub caption: &'a str,
    pub credit: &'a str,
}

/// The files of a drawn picture, written under the media directory.
pub struct Drawn {
    original: String,
    byte_size: u64,
    variants: Vec<MediaVariant>,
}

/// Draws `picture` into `dir` (a folder of the media directory, named in keys as
/// `folder`) as a JPEG with its variants, as an upload would have them. CPU-heavy:
/// run on a blocking thread.
pub fn draw_files(
    dir: &Path,
    folder: &str,
    name: &str,
    section: usize,
    index: u32,
) -> Result<Drawn> {
    let files = Files::new(dir);
    let image = image::DynamicImage::ImageRgb8(draw(section, index));
    let encode_failed =
        |e: masthead_media::MediaError| anyhow!("cannot encode a demo picture: {e}");
    let original = masthead_media::encode(&image, Kind::Jpeg).map_err(encode_failed)?;
    let original_name = format!("{name}.jpg");
    files
        .write(&original_name, &original)
        .with_context(|| format!("cannot write {}", dir.join(&original_name).display()))?;
    let mut variants = Vec::new();
    let mut resized: Option<image::DynamicImage> = None;
    for (width, kind) in masthead_media::plan(WIDTH, Kind::Jpeg) {
        // Each width is made once and encoded in each format.
        let at_width = match resized.take() {
            Some(r) if r.width() == width => r,
            _ => masthead_media::resize(&image, width),
        };
        let bytes = masthead_media::encode(&at_width, kind).map_err(encode_failed)?;
        let height = at_width.height();
        resized = Some(at_width);
        let file = format!("{name}-{width}.{}", kind.extension());
        files
            .write(&file, &bytes)
            .with_context(|| format!("cannot write {}", dir.join(&file).display()))?;
        variants.push(MediaVariant {
            width,
            height,
            mime_type: kind.mime().to_owned(),
            storage_key: format!("{folder}/{file}"),
            byte_size: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
        });
    }
    Ok(Drawn {
        original: format!("{folder}/{original_name}"),
        byte_size: u64::try_from(original.len()).unwrap_or(u64::MAX),
        variants,
    })
}

/// Draws `picture` into `dir` and records it with its variants.
pub async fn create(store: &dyn Store, dir: &Path, picture: &Picture<'_>) -> Result<Media> {
    let folder = folder_of(dir)?;
    let (dir_owned, name) = (dir.to_path_buf(), picture.name.to_owned());
    let (section, index) = (picture.section, picture.index);
    let drawn =
        tokio::task::spawn_blocking(move || draw_files(&dir_owned, &folder, &name, section, index))
            .await??;
    record(store, drawn, picture).await
}

/// Records drawn files as a picture in the media library, with its words.
pub async fn record(store: &dyn Store, drawn: Drawn, picture: &Picture<'_>) -> Result<Media> {
    store
        .create_media(&NewMedia {
            storage_key: drawn.original,
            mime_type: Kind::Jpeg.mime().into(),
            width: Some(WIDTH),
            height: Some(HEIGHT),
            byte_size: drawn.byte_size,
            alt: picture.alt.to_owned(),
            caption: picture.caption.to_owned(),
            credit: picture.credit.to_owned(),
            uploaded_by: None,
            variants: drawn.variants,
        })
        .await
        .map_err(|e| anyhow!("{e}"))
}

/// The media folder `dir` is (its last component), as keys name it.
pub fn folder_of(dir: &Path) -> Result<String> {
    dir.file_name()
        .and_then(|f| f.to_str())
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("{} names no media folder", dir.display()))
}

/// The publication's emblem, `size` pixels square: a lantern's glow on the paper's
/// dark ink.
fn emblem(size: u32) -> image::RgbImage {
    let s = size as f32;
    image::RgbImage::from_fn(size, size, |x, y| {
        let (fx, fy) = (x as f32 / s, y as f32 / s);
        let ink = [22u8, 22, 22];
        let amber = [244u8, 180, 60];
        // The glow, brightest at the flame.
        let d = ((fx - 0.5).powi(2) + (fy - 0.55).powi(2)).sqrt();
        let mut rgb = ink;
        if d < 0.34 {
            let t = (1.0 - d / 0.34).powf(0.8);
            for (c, a) in rgb.iter_mut().zip(amber) {
                *c = mix(*c, a, t);
            }
        }
        // The lantern's frame: a top, a base and two sides.
        let frame = (0.30..=0.70).contains(&fx)
            && ((0.22..0.27).contains(&fy) || (0.83..0.88).contains(&fy))
            || (0.27..=0.83).contains(&fy)
                && ((0.30..0.34).contains(&fx) || (0.66..0.70).contains(&fx))
            || (0.45..0.55).contains(&fx) && (0.14..0.22).contains(&fy);
        if frame {
            rgb = [250, 248, 240];
        }
        image::Rgb(rgb)
    })
}

/// Where the publication's own pictures are, as site paths.
pub struct Identity {
    pub logo: String,
    pub favicon: String,
    pub touch_icon: String,
    pub social_image: String,
}

/// Draws the publication's logo (512 px), favicon (48 px), home-screen icon (180 px)
/// and social picture (1200 x 630) into `dir`, a folder of the media directory.
pub fn draw_identity(dir: &Path) -> Result<Identity> {
    let folder = folder_of(dir)?;
    let files = Files::new(dir);
    let png = |image: image::DynamicImage, name: &str| -> Result<String> {
        let bytes = masthead_media::encode(&image, Kind::Png)
            .map_err(|e| anyhow!("cannot encode {name}: {e}"))?;
        files
            .write(name, &bytes)
            .with_context(|| format!("cannot write {}", dir.join(name).display()))?;
        Ok(format!("/media/{folder}/{name}"))
    };
    let logo = png(image::DynamicImage::ImageRgb8(emblem(512)), "logo.png")?;
    let favicon = png(image::DynamicImage::ImageRgb8(emblem(48)), "icon-48.png")?;
    let touch_icon = png(image::DynamicImage::ImageRgb8(emblem(180)), "icon-180.png")?;
    // The emblem on the paper's colours, as wide as social networks show pictures.
    let mark = emblem(360);
    let social = image::RgbImage::from_fn(1200, 630, |x, y| {
        let (ox, oy) = (x.wrapping_sub(420), y.wrapping_sub(135));
        if ox < 360 && oy < 360 {
            *mark.get_pixel(ox, oy)
        } else {
            let t = y as f32 / 630.0;
            image::Rgb([mix(22, 60, t), mix(22, 45, t), mix(22, 30, t)])
        }
    });
    let bytes = masthead_media::encode(&image::DynamicImage::ImageRgb8(social), Kind::Jpeg)
        .map_err(|e| anyhow!("cannot encode the social picture: {e}"))?;
    files
        .write("social.jpg", &bytes)
        .with_context(|| format!("cannot write {}", dir.join("social.jpg").display()))?;
    Ok(Identity {
        logo,
        favicon,
        touch_icon,
        social_image: format!("/media/{folder}/social.jpg"),
    })
}
