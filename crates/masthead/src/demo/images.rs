//! Featured images for the demo, drawn locally: a gradient in the section's colours
//! with soft shapes, different for every article. Nothing is downloaded.

use anyhow::{anyhow, Context, Result};
use masthead_core::media::{Media, MediaVariant, NewMedia};
use masthead_core::store::Store;
use std::io::BufWriter;
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

/// Narrower copies drawn for each image, for responsive `srcset`s.
pub const VARIANT_WIDTHS: &[u32] = &[480, 800];

/// The height of the image at `width`, in the full image's proportions.
pub fn height_at(width: u32) -> u32 {
    width * HEIGHT / WIDTH
}

/// Writes a PNG, `width` pixels wide, for article `index` of section `section`: the
/// same picture at any width.
pub fn draw(path: &Path, section: usize, index: u32, width: u32) -> Result<()> {
    let height = height_at(width);
    let scale = WIDTH as f32 / width as f32;
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
    let mut pixels = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            // In the full-size image's coordinates.
            let (fx, fy) = (x as f32 * scale, y as f32 * scale);
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
            pixels.extend_from_slice(&rgb);
        }
    }
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut encoder = png::Encoder::new(BufWriter::new(file), width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().context("cannot encode PNG")?;
    writer
        .write_image_data(&pixels)
        .context("cannot encode PNG")?;
    writer.finish().context("cannot encode PNG")?;
    Ok(())
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

/// Draws `picture` into `dir` (the media directory's subdirectory it is named after)
/// at full size and at each variant width, and records it with its variants.
pub async fn create(store: &dyn Store, dir: &Path, picture: &Picture<'_>) -> Result<Media> {
    let folder = dir
        .file_name()
        .and_then(|f| f.to_str())
        .ok_or_else(|| anyhow!("{} names no media folder", dir.display()))?;
    let file = |width: u32| {
        if width == WIDTH {
            format!("{}.png", picture.name)
        } else {
            format!("{}-{width}.png", picture.name)
        }
    };
    let mut variants = Vec::new();
    for &width in std::iter::once(&WIDTH).chain(VARIANT_WIDTHS) {
        let path = dir.join(file(width));
        let drawn = path.clone();
        let (section, index) = (picture.section, picture.index);
        tokio::task::spawn_blocking(move || draw(&drawn, section, index, width)).await??;
        if width != WIDTH {
            variants.push(MediaVariant {
                width,
                height: height_at(width),
                mime_type: "image/png".into(),
                storage_key: format!("{folder}/{}", file(width)),
                byte_size: file_size(&path),
            });
        }
    }
    store
        .create_media(&NewMedia {
            storage_key: format!("{folder}/{}", file(WIDTH)),
            mime_type: "image/png".into(),
            width: Some(WIDTH),
            height: Some(HEIGHT),
            byte_size: file_size(&dir.join(file(WIDTH))),
            alt: picture.alt.to_owned(),
            caption: picture.caption.to_owned(),
            credit: picture.credit.to_owned(),
            uploaded_by: None,
            variants,
        })
        .await
        .map_err(|e| anyhow!("{e}"))
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}
