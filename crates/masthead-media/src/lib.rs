//! Uploaded images. An upload is trusted for nothing: its type comes from its bytes
//! (JPEG, PNG, WebP or GIF, whatever the file is called), its size and pixel count are
//! bounded before decoding, it is turned upright by its EXIF orientation and re-encoded
//! (which drops EXIF, GPS and every other metadata), and responsive variants are made
//! from it: each width of `WIDTHS` narrower than the original, as WebP and in the
//! original's format. `Files` stores the bytes under the media directory.
//!
//! CPU-heavy: callers run these functions on blocking threads.

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use std::io::Cursor;
use std::path::{Path, PathBuf};

/// A decoded picture.
pub type Image = DynamicImage;

/// The largest upload accepted, in bytes.
pub const MAX_BYTES: usize = 25 * 1024 * 1024;
/// The largest image accepted, in pixels per side.
pub const MAX_SIDE: u32 = 12_000;
/// Widths of the responsive variants.
pub const WIDTHS: [u32; 4] = [320, 640, 960, 1600];
/// Quality of lossy encodings (JPEG and WebP).
const QUALITY: u8 = 82;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MediaError {
    #[error("the file is not an image (JPEG, PNG, WebP or GIF)")]
    NotAnImage,
    #[error("{0} images are not accepted: upload JPEG, PNG, WebP or GIF")]
    Unsupported(String),
    #[error("the file is too large: at most {} MB", MAX_BYTES / 1024 / 1024)]
    TooLarge,
    #[error(
        "the image has too many pixels: at most 50 megapixels, {} pixels a side",
        MAX_SIDE
    )]
    TooManyPixels,
    #[error("the image cannot be read: {0}")]
    Corrupt(String),
    #[error("cannot make the image's copies: {0}")]
    Encode(String),
}

/// The four kinds of image accepted, told apart by their bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    Webp,
    Gif,
}

impl Kind {
    pub fn mime(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Webp => "image/webp",
            Kind::Gif => "image/gif",
        }
    }

    /// The kind stored under a MIME type.
    pub fn from_mime(mime: &str) -> Option<Kind> {
        [Kind::Jpeg, Kind::Png, Kind::Webp, Kind::Gif]
            .into_iter()
            .find(|k| k.mime() == mime)
    }

    pub fn extension(self) -> &'static str {
        match self {
            Kind::Jpeg => "jpg",
            Kind::Png => "png",
            Kind::Webp => "webp",
            Kind::Gif => "gif",
        }
    }

    /// The format variants are made in besides WebP: a resized GIF loses its animation
    /// and palette anyway, so its variants are PNG.
    fn variant_kind(self) -> Kind {
        match self {
            Kind::Gif => Kind::Png,
            other => other,
        }
    }

    fn sniff(bytes: &[u8]) -> Result<Kind, MediaError> {
        match image::guess_format(bytes) {
            Ok(ImageFormat::Jpeg) => Ok(Kind::Jpeg),
            Ok(ImageFormat::Png) => Ok(Kind::Png),
            Ok(ImageFormat::WebP) => Ok(Kind::Webp),
            Ok(ImageFormat::Gif) => Ok(Kind::Gif),
            Ok(other) => Err(MediaError::Unsupported(format!("{other:?}").to_uppercase())),
            Err(_) => Err(MediaError::NotAnImage),
        }
    }
}

/// An upload made safe to publish.
pub struct Prepared {
    pub kind: Kind,
    /// The bytes to store: upright and without metadata; the original's own bytes with
    /// their metadata taken out when that is smaller than encoding them anew (GIFs
    /// are rewritten frame by frame, so they keep animating).
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// The upright picture to make variants from, at most `WORKING_WIDTH` wide.
    pub image: DynamicImage,
}

/// The most pixels an image may have: a 50-megapixel camera's. Checked from the
/// file's header, before anything is decoded.
pub const MAX_PIXELS: u64 = 50_000_000;
/// The most pixels of all an animated GIF's frames together.
pub const MAX_GIF_PIXELS: u64 = 200_000_000;
/// What one decode may allocate: `MAX_PIXELS` at 8 bits per RGBA channel, and some.
const MAX_DECODE_BYTES: u64 = MAX_PIXELS * 4 + 16 * 1024 * 1024;
/// Variants are made from a copy this wide at most (twice the widest variant), so
/// resizing never works on a full 50-megapixel picture.
const WORKING_WIDTH: u32 = 3200;

fn corrupt(e: impl std::fmt::Display) -> MediaError {
    MediaError::Corrupt(e.to_string())
}

/// Refuses a picture of more than `MAX_PIXELS`.
fn check_pixels(width: u32, height: u32) -> Result<(), MediaError> {
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(MediaError::TooManyPixels);
    }
    Ok(())
}

/// Checks an upload and makes it safe to publish (see the crate's documentation).
/// Decodes at most `MAX_PIXELS`, at 8 bits per channel (a 16-bit PNG is narrowed as
/// it is read, never held at 16 bits).
pub fn prepare(bytes: &[u8]) -> Result<Prepared, MediaError> {
    if bytes.len() > MAX_BYTES {
        return Err(MediaError::TooLarge);
    }
    let kind = Kind::sniff(bytes)?;
    let (mut image, orientation) = match kind {
        Kind::Png => decode_png(bytes)?,
        other => decode(bytes, other)?,
    };
    image.apply_orientation(orientation);
    let upright = orientation == image::metadata::Orientation::NoTransforms;
    let stored = match kind {
        Kind::Gif => clean_gif(bytes)?,
        other => {
            let encoded = encode(&image, other)?;
            // The original's own compression is often better than ours; when it is
            // upright, its bytes without their metadata may be kept instead.
            match stripped(bytes, other).filter(|s| upright && s.len() < encoded.len()) {
                Some(smaller) => smaller,
                None => encoded,
            }
        }
    };
    let (width, height) = (image.width(), image.height());
    if width > WORKING_WIDTH {
        image = image.thumbnail(WORKING_WIDTH, MAX_SIDE);
    }
    Ok(Prepared {
        kind,
        width,
        height,
        bytes: stored,
        image,
    })
}

/// Decodes a JPEG, WebP or GIF (its first frame), within the limits.
fn decode(
    bytes: &[u8],
    kind: Kind,
) -> Result<(DynamicImage, image::metadata::Orientation), MediaError> {
    let mut reader = ImageReader::new(Cursor::new(bytes));
    reader.set_format(match kind {
        Kind::Jpeg => ImageFormat::Jpeg,
        Kind::Png => ImageFormat::Png,
        Kind::Webp => ImageFormat::WebP,
        Kind::Gif => ImageFormat::Gif,
    });
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(corrupt)?;
    let (width, height) = decoder.dimensions();
    check_pixels(width, height)?;
    let orientation = decoder.orientation().map_err(corrupt)?;
    let image = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    // Whatever the file held, variants and re-encodings work at 8 bits per channel.
    let image = match image {
        DynamicImage::ImageRgb8(_) | DynamicImage::ImageRgba8(_) => image,
        DynamicImage::ImageLuma8(_) | DynamicImage::ImageLumaA8(_) => image,
        other if other.color().has_alpha() => DynamicImage::ImageRgba8(other.to_rgba8()),
        other => DynamicImage::ImageRgb8(other.to_rgb8()),
    };
    Ok((image, orientation))
}

/// Decodes a PNG at 8 bits per channel (16-bit samples are narrowed as they are read,
/// palettes expanded), within the limits.
fn decode_png(bytes: &[u8]) -> Result<(DynamicImage, image::metadata::Orientation), MediaError> {
    let limits = png::Limits {
        bytes: usize::try_from(MAX_DECODE_BYTES).unwrap_or(usize::MAX),
    };
    let mut decoder = png::Decoder::new_with_limits(Cursor::new(bytes), limits);
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(corrupt)?;
    let (width, height) = (reader.info().width, reader.info().height);
    check_pixels(width, height)?;
    let orientation = reader
        .info()
        .exif_metadata
        .as_ref()
        .and_then(|exif| image::metadata::Orientation::from_exif_chunk(exif))
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| MediaError::Corrupt("the image is too large to read".into()))?;
    let mut buffer = vec![0; size];
    let frame = reader.next_frame(&mut buffer).map_err(corrupt)?;
    buffer.truncate(frame.buffer_size());
    let wrong = || MediaError::Corrupt("the image's pixels do not fill it".into());
    let image = match frame.color_type {
        png::ColorType::Rgba => DynamicImage::ImageRgba8(
            image::RgbaImage::from_raw(width, height, buffer).ok_or_else(wrong)?,
        ),
        png::ColorType::Rgb => DynamicImage::ImageRgb8(
            image::RgbImage::from_raw(width, height, buffer).ok_or_else(wrong)?,
        ),
        png::ColorType::GrayscaleAlpha => DynamicImage::ImageLumaA8(
            image::GrayAlphaImage::from_raw(width, height, buffer).ok_or_else(wrong)?,
        ),
        png::ColorType::Grayscale => DynamicImage::ImageLuma8(
            image::GrayImage::from_raw(width, height, buffer).ok_or_else(wrong)?,
        ),
        png::ColorType::Indexed => {
            return Err(MediaError::Corrupt(
                "a palette the reader did not expand".into(),
            ))
        }
    };
    Ok((image, orientation))
}

/// The original's bytes with every metadata block taken out (EXIF, XMP, GPS,
/// comments, text chunks), keeping what the picture needs to look the same (its
/// colour profile among them); `None` when they cannot be read that way.
fn stripped(bytes: &[u8], kind: Kind) -> Option<Vec<u8>> {
    use img_parts::Bytes;
    match kind {
        Kind::Jpeg => {
            let mut jpeg = img_parts::jpeg::Jpeg::from_bytes(Bytes::copy_from_slice(bytes)).ok()?;
            jpeg.segments_mut().retain(|segment| {
                let marker = segment.marker();
                match marker {
                    // JFIF, and Adobe's (which says how the colours are stored).
                    0xE0 | 0xEE => true,
                    // The colour profile, and no other APP2 block.
                    0xE2 => segment.contents().starts_with(b"ICC_PROFILE\0"),
                    // Every other application block (EXIF and XMP are APP1) and
                    // comments.
                    0xE1..=0xEF | 0xFE => false,
                    _ => true,
                }
            });
            Some(jpeg.encoder().bytes().to_vec())
        }
        Kind::Png => {
            let mut png = img_parts::png::Png::from_bytes(Bytes::copy_from_slice(bytes)).ok()?;
            // What the picture needs to look the same; text, EXIF, times and every
            // chunk we do not know go.
            const KEEP: &[&[u8; 4]] = &[
                b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP",
                b"sBIT", b"pHYs", b"acTL", b"fcTL", b"fdAT",
            ];
            png.chunks_mut()
                .retain(|chunk| KEEP.contains(&&chunk.kind()));
            Some(png.encoder().bytes().to_vec())
        }
        Kind::Webp | Kind::Gif => None,
    }
}

/// A GIF written anew, frame by frame as it was (palettes, delays, transparency and
/// looping kept), so that comments, unknown extensions and anything after its end
/// are left behind.
fn clean_gif(bytes: &[u8]) -> Result<Vec<u8>, MediaError> {
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::Indexed);
    options.set_memory_limit(gif::MemoryLimit::Bytes(
        std::num::NonZeroU64::new(MAX_DECODE_BYTES).unwrap_or(std::num::NonZeroU64::MIN),
    ));
    let mut decoder = options.read_info(Cursor::new(bytes)).map_err(corrupt)?;
    let (width, height) = (decoder.width(), decoder.height());
    check_pixels(u32::from(width), u32::from(height))?;
    let palette = decoder.global_palette().unwrap_or_default().to_vec();
    let mut out = Vec::new();
    {
        let failed = |e: gif::EncodingError| MediaError::Encode(e.to_string());
        let mut encoder = gif::Encoder::new(&mut out, width, height, &palette).map_err(failed)?;
        if decoder.repeat() != gif::Repeat::Finite(0) {
            encoder.set_repeat(decoder.repeat()).map_err(failed)?;
        }
        let mut pixels = 0u64;
        while let Some(frame) = decoder.read_next_frame().map_err(corrupt)? {
            pixels += u64::from(frame.width) * u64::from(frame.height);
            if pixels > MAX_GIF_PIXELS {
                return Err(MediaError::TooManyPixels);
            }
            encoder.write_frame(frame).map_err(failed)?;
        }
    }
    Ok(out)
}

/// The variants an image of `width` gets: (width, kind), narrowest first.
pub fn plan(width: u32, kind: Kind) -> Vec<(u32, Kind)> {
    let mut plan: Vec<(u32, Kind)> = WIDTHS
        .iter()
        .filter(|w| **w < width)
        .flat_map(|w| [(*w, Kind::Webp), (*w, kind.variant_kind())])
        .collect();
    // A WebP original needs each width once.
    plan.dedup();
    plan
}

/// One variant: `image` resized to `width`, encoded as `kind`; returns the bytes and
/// the height.
pub fn variant(image: &DynamicImage, width: u32, kind: Kind) -> Result<(Vec<u8>, u32), MediaError> {
    let resized = resize(image, width);
    Ok((encode(&resized, kind)?, resized.height()))
}

/// `image` at `width`, in its proportions (as it is, when it is that wide already).
pub fn resize(image: &DynamicImage, width: u32) -> DynamicImage {
    if image.width() == width {
        return image.clone();
    }
    image.resize(width, MAX_SIDE, FilterType::CatmullRom)
}

/// `image` encoded as `kind` (lossy kinds at the quality every variant gets).
pub fn encode(image: &DynamicImage, kind: Kind) -> Result<Vec<u8>, MediaError> {
    let failed = |e: image::ImageError| MediaError::Encode(e.to_string());
    let mut out = Vec::new();
    match kind {
        Kind::Jpeg => {
            let rgb = DynamicImage::ImageRgb8(image.to_rgb8());
            rgb.write_with_encoder(JpegEncoder::new_with_quality(&mut out, QUALITY))
                .map_err(failed)?;
        }
        Kind::Png | Kind::Gif => {
            image
                .write_with_encoder(PngEncoder::new(&mut out))
                .map_err(failed)?;
        }
        Kind::Webp => {
            let rgba = image.to_rgba8();
            let encoded = webp::Encoder::from_rgba(rgba.as_raw(), rgba.width(), rgba.height())
                .encode(f32::from(QUALITY));
            out.extend_from_slice(&encoded);
        }
    }
    Ok(out)
}

/// Media files under the media directory (served at `/media/`).
#[derive(Clone)]
pub struct Files {
    root: PathBuf,
}

impl Files {
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
        }
    }

    /// A fresh, unguessable key for a new upload: "uploads/2026/11/3f9c…" (no extension).
    pub fn new_key(now: chrono::DateTime<chrono::Utc>) -> String {
        use rand::RngCore;
        let mut bytes = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        format!("uploads/{}/{}", now.format("%Y/%m"), hex::encode(bytes))
    }

    /// Writes `bytes` at `key` whole or not at all (a temporary file renamed).
    pub fn write(&self, key: &str, bytes: &[u8]) -> std::io::Result<()> {
        let path = self.root.join(key);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let partial = path.with_extension("partial");
        std::fs::write(&partial, bytes)?;
        std::fs::rename(&partial, &path)
    }

    pub fn read(&self, key: &str) -> std::io::Result<Vec<u8>> {
        std::fs::read(self.root.join(key))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use image::{ImageBuffer, Rgb};

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let img = ImageBuffer::from_fn(width, height, |x, _| Rgb([(x % 255) as u8, 90, 160]));
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(img)
            .write_with_encoder(JpegEncoder::new_with_quality(&mut out, 90))
            .unwrap();
        out
    }

    /// A JPEG with an EXIF block saying "rotate 90° clockwise" and GPS coordinates.
    fn jpeg_with_exif(width: u32, height: u32) -> Vec<u8> {
        let plain = jpeg(width, height);
        // TIFF header (little endian), IFD0 with Orientation=6 and a GPS IFD pointer,
        // then a GPS IFD with a latitude reference.
        let mut tiff: Vec<u8> = b"II*\0\x08\0\0\0".to_vec();
        tiff.extend_from_slice(&2u16.to_le_bytes());
        tiff.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]); // Orientation
        tiff.extend_from_slice(&[0x25, 0x88, 4, 0, 1, 0, 0, 0, 38, 0, 0, 0]); // GPS IFD at 38
        tiff.extend_from_slice(&0u32.to_le_bytes());
        tiff.extend_from_slice(&1u16.to_le_bytes());
        tiff.extend_from_slice(&[0x01, 0x00, 2, 0, 2, 0, 0, 0, b'N', 0, 0, 0]); // GPSLatitudeRef
        tiff.extend_from_slice(&0u32.to_le_bytes());
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&tiff);
        let mut out = plain[..2].to_vec(); // SOI
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&u16::try_from(app1.len() + 2).unwrap().to_be_bytes());
        out.extend_from_slice(&app1);
        out.extend_from_slice(&plain[2..]);
        out
    }

    #[test]
    fn the_type_comes_from_the_bytes() {
        assert!(matches!(
            prepare(b"GIF89a but not really"),
            Err(MediaError::Corrupt(_))
        ));
        assert_eq!(
            prepare(b"<html>not an image</html>").err(),
            Some(MediaError::NotAnImage)
        );
        assert_eq!(prepare(b"%PDF-1.7 ...").err(), Some(MediaError::NotAnImage));
        let bmp = b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0";
        assert!(matches!(prepare(bmp), Err(MediaError::Unsupported(_))));
        let ok = prepare(&jpeg(40, 30)).unwrap();
        assert_eq!((ok.kind, ok.width, ok.height), (Kind::Jpeg, 40, 30));
    }

    #[test]
    fn orientation_is_applied_and_metadata_dropped() {
        let upload = jpeg_with_exif(40, 30);
        assert!(upload.windows(4).any(|w| w == b"Exif"));
        let ok = prepare(&upload).unwrap();
        assert_eq!((ok.width, ok.height), (30, 40), "turned upright");
        assert!(
            !ok.bytes.windows(4).any(|w| w == b"Exif"),
            "no EXIF, so no GPS"
        );
        assert_eq!(Kind::sniff(&ok.bytes).unwrap(), Kind::Jpeg);
    }

    #[test]
    fn variants_are_narrower_than_the_original_in_webp_and_its_format() {
        assert_eq!(
            plan(1000, Kind::Jpeg),
            [
                (320, Kind::Webp),
                (320, Kind::Jpeg),
                (640, Kind::Webp),
                (640, Kind::Jpeg),
                (960, Kind::Webp),
                (960, Kind::Jpeg)
            ]
        );
        assert_eq!(plan(300, Kind::Png), []);
        assert_eq!(plan(400, Kind::Gif), [(320, Kind::Webp), (320, Kind::Png)]);
        assert_eq!(
            plan(700, Kind::Webp),
            [(320, Kind::Webp), (640, Kind::Webp)]
        );
        let ok = prepare(&jpeg(700, 350)).unwrap();
        let (webp, height) = variant(&ok.image, 320, Kind::Webp).unwrap();
        assert_eq!(height, 160);
        assert_eq!(Kind::sniff(&webp).unwrap(), Kind::Webp);
        let (jpg, _) = variant(&ok.image, 640, Kind::Jpeg).unwrap();
        let back = image::load_from_memory(&jpg).unwrap();
        assert_eq!((back.width(), back.height()), (640, 320));
    }

    fn png(
        width: u32,
        height: u32,
        color: png::ColorType,
        depth: png::BitDepth,
        data: &[u8],
    ) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, width, height);
            encoder.set_color(color);
            encoder.set_depth(depth);
            if color == png::ColorType::Indexed {
                encoder.set_palette(vec![0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255]);
            }
            encoder
                .add_text_chunk("GPS".into(), "secret 51.5N 0.1W".into())
                .unwrap();
            let mut writer = encoder.write_header().unwrap();
            writer.write_image_data(data).unwrap();
        }
        out
    }

    #[test]
    fn too_many_pixels_are_refused_before_decoding() {
        assert_eq!(
            prepare(&masthead_testkit::images::pixel_bomb_png()).err(),
            Some(MediaError::TooManyPixels)
        );
        // A 16-bit picture within the budget is read at 8 bits per channel.
        let sixteen = png(
            64,
            48,
            png::ColorType::Rgba,
            png::BitDepth::Sixteen,
            &vec![0x80; 64 * 48 * 8],
        );
        let ok = prepare(&sixteen).unwrap();
        assert!(matches!(ok.image, DynamicImage::ImageRgba8(_)));
        assert_eq!((ok.width, ok.height), (64, 48));
    }

    #[test]
    fn the_smaller_of_the_cleaned_original_and_a_new_encoding_is_kept() {
        // Four colours in a palette compress far better than our RGB re-encoding.
        let pixels: Vec<u8> = (0..400u32 * 400)
            .map(|i| u8::try_from((i.wrapping_mul(2_654_435_761) >> 29) % 4).unwrap())
            .collect();
        let original = png(
            400,
            400,
            png::ColorType::Indexed,
            png::BitDepth::Eight,
            &pixels,
        );
        assert!(original.windows(6).any(|w| w == b"secret"));
        let ok = prepare(&original).unwrap();
        assert!(
            ok.bytes.len() <= original.len(),
            "{} > {}",
            ok.bytes.len(),
            original.len()
        );
        assert!(
            !ok.bytes.windows(6).any(|w| w == b"secret"),
            "text chunks dropped"
        );
        let back = image::load_from_memory(&ok.bytes).unwrap();
        assert_eq!((back.width(), back.height()), (400, 400));
        assert_eq!(
            back.to_rgb8().get_pixel(7, 3),
            image::load_from_memory(&original)
                .unwrap()
                .to_rgb8()
                .get_pixel(7, 3),
            "the same picture"
        );
        // A JPEG's comment goes, whichever bytes are kept.
        let plain = jpeg(200, 100);
        let mut commented = plain[..2].to_vec();
        commented.extend_from_slice(&[0xFF, 0xFE, 0, 8]);
        commented.extend_from_slice(b"secret");
        commented.extend_from_slice(&plain[2..]);
        let ok = prepare(&commented).unwrap();
        assert!(!ok.bytes.windows(6).any(|w| w == b"secret"));
        assert!(ok.bytes.len() <= commented.len());
    }

    #[test]
    fn gifs_keep_their_frames_and_lose_comments_and_trailing_bytes() {
        let mut gif_bytes = Vec::new();
        {
            let palette = [0u8, 0, 0, 255, 255, 255];
            let mut encoder = gif::Encoder::new(&mut gif_bytes, 4, 4, &palette).unwrap();
            encoder.set_repeat(gif::Repeat::Infinite).unwrap();
            for shade in [0u8, 1] {
                let mut frame = gif::Frame::from_indexed_pixels(4, 4, vec![shade; 16], None);
                frame.delay = 20;
                encoder.write_frame(&frame).unwrap();
            }
        }
        // A comment extension before the trailer, and bytes after it.
        let trailer = gif_bytes.pop().unwrap();
        gif_bytes.extend_from_slice(&[0x21, 0xFE, 6]);
        gif_bytes.extend_from_slice(b"secret");
        gif_bytes.push(0);
        gif_bytes.push(trailer);
        gif_bytes.extend_from_slice(b"<script>hidden</script>");
        let ok = prepare(&gif_bytes).unwrap();
        assert_eq!(ok.kind, Kind::Gif);
        assert!(!ok.bytes.windows(6).any(|w| w == b"secret"));
        assert!(!ok.bytes.windows(8).any(|w| w == b"<script>"));
        let mut decoder = gif::DecodeOptions::new()
            .read_info(Cursor::new(&ok.bytes))
            .unwrap();
        assert_eq!(decoder.repeat(), gif::Repeat::Infinite);
        let mut frames = 0;
        while let Some(frame) = decoder.read_next_frame().unwrap() {
            assert_eq!(frame.delay, 20);
            frames += 1;
        }
        assert_eq!(frames, 2, "still animated");
    }

    #[test]
    fn files_are_written_whole_under_fresh_keys() {
        let dir = tempfile::tempdir().unwrap();
        let files = Files::new(dir.path());
        let now = chrono::Utc::now();
        let key = format!("{}.jpg", Files::new_key(now));
        assert_ne!(key, format!("{}.jpg", Files::new_key(now)));
        assert!(key.starts_with(&format!("uploads/{}/", now.format("%Y/%m"))));
        files.write(&key, b"bytes").unwrap();
        assert_eq!(files.read(&key).unwrap(), b"bytes");
        let leftovers = std::fs::read_dir(dir.path().join(&key).parent().unwrap())
            .unwrap()
            .count();
        assert_eq!(leftovers, 1, "no partial file left behind");
    }
}
