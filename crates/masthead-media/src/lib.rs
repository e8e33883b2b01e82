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
    /// The bytes to store: upright, without metadata (GIFs are kept as sent, so they
    /// keep animating; they carry no EXIF).
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// The decoded, upright picture, to make variants from.
    pub image: DynamicImage,
}

/// Checks an upload and makes it safe to publish (see the crate's documentation).
pub fn prepare(bytes: &[u8]) -> Result<Prepared, MediaError> {
    if bytes.len() > MAX_BYTES {
        return Err(MediaError::TooLarge);
    }
    let kind = Kind::sniff(bytes)?;
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
    limits.max_alloc = Some(1024 * 1024 * 1024);
    reader.limits(limits);
    let corrupt = |e: image::ImageError| MediaError::Corrupt(e.to_string());
    let mut decoder = reader.into_decoder().map_err(corrupt)?;
    let orientation = decoder.orientation().map_err(corrupt)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    image.apply_orientation(orientation);
    let bytes = match kind {
        Kind::Gif => bytes.to_vec(),
        other => encode(&image, other)?,
    };
    Ok(Prepared {
        kind,
        width: image.width(),
        height: image.height(),
        bytes,
        image,
    })
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
    let resized = image.resize(width, MAX_SIDE, FilterType::CatmullRom);
    Ok((encode(&resized, kind)?, resized.height()))
}

fn encode(image: &DynamicImage, kind: Kind) -> Result<Vec<u8>, MediaError> {
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
