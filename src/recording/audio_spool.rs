//! Where the audio inside events waits while a session runs. A WebSocket session
//! carries its audio as base64 in `input_audio_buffer.append` and
//! `response.output_audio.delta` events: about 230 MB of text an hour each way. The
//! link cuts that base64 out before an event reaches the core and stores the bytes
//! here, in an unlinked file under the cache directory; the event log holds a short
//! token (`@audio:NONCE:OFFSET:LEN`) in its place. Writing a recording puts the
//! base64 back ([`resolve`]), so recordings stay exactly what went over the wire.
//!
//! The nonce is random per process, so a server sending a token-shaped string
//! cannot make a recording pull in audio it did not send.

use std::borrow::Cow;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;

const PREFIX: &str = "@audio:";

pub struct AudioSpool {
    file: File,
    nonce: String,
    end: AtomicU64,
}

static SPOOL: OnceLock<Option<AudioSpool>> = OnceLock::new();

/// The process's spool, made on first use; `None` when no file could be made (the
/// audio then stays inline: more memory, nothing lost).
pub fn spool() -> Option<&'static AudioSpool> {
    SPOOL
        .get_or_init(|| match AudioSpool::create() {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::warn!(
                    "cannot make the audio spool file ({e}); socket audio stays in memory"
                );
                None
            }
        })
        .as_ref()
}

fn spool_dir() -> PathBuf {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")));
    // /tmp is often a RAM disk, which would move the memory rather than save it.
    cache.map_or_else(std::env::temp_dir, |c| c.join("rtconsole"))
}

impl AudioSpool {
    fn create() -> io::Result<AudioSpool> {
        let dir = spool_dir();
        std::fs::create_dir_all(&dir)?;
        let file = tempfile::tempfile_in(&dir)?;
        let nonce = format!("{:08x}", rand_u32());
        Ok(AudioSpool {
            file,
            nonce,
            end: AtomicU64::new(0),
        })
    }

    /// Stores `bytes`; the token that stands for them.
    pub fn store(&self, bytes: &[u8]) -> io::Result<String> {
        let len = bytes.len() as u64;
        let offset = self.end.fetch_add(len, Ordering::SeqCst);
        self.file.write_all_at(bytes, offset)?;
        Ok(format!("{PREFIX}{}:{offset}:{len}", self.nonce))
    }

    fn load(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let mut buf = vec![0; len];
        self.file.read_exact_at(&mut buf, offset)?;
        Ok(buf)
    }

    /// The offset and length a token of this spool names, if `s` starts with one.
    fn parse<'a>(&self, s: &'a str) -> Option<(u64, usize, &'a str)> {
        let rest = s
            .strip_prefix(PREFIX)?
            .strip_prefix(&self.nonce)?
            .strip_prefix(':')?;
        let (offset, rest) = rest.split_once(':')?;
        let end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (len, after) = rest.split_at(end);
        Some((offset.parse().ok()?, len.parse().ok()?, after))
    }

    /// How many bytes a token stands for, when `s` is one of this spool's.
    pub fn token_len(&self, s: &str) -> Option<usize> {
        self.parse(s)
            .filter(|(_, _, after)| after.is_empty())
            .map(|(_, len, _)| len)
    }
}

/// Puts the base64 back for every token of this process's spool in `text`.
pub fn resolve(text: &str) -> Cow<'_, str> {
    if !text.contains(PREFIX) {
        return Cow::Borrowed(text);
    }
    let Some(spool) = spool() else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(PREFIX) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some((offset, len, after)) = spool.parse(tail) {
            match spool.load(offset, len) {
                Ok(bytes) => {
                    B64.encode_string(&bytes, &mut out);
                    rest = after;
                    continue;
                }
                Err(e) => tracing::warn!("the audio spool could not be read back: {e}"),
            }
        }
        out.push_str(PREFIX);
        rest = &tail[PREFIX.len()..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Cuts the base64 string of `key` (`"delta"` of an audio delta, `"audio"` of an
/// append) out of a JSON message, stores its bytes and puts a token in its place.
/// The message with the token and the bytes; `None` (keep the message as it is)
/// when the field is missing, not canonical base64, or there is no spool.
pub fn extract(raw: &str, key: &str) -> Option<(String, Vec<u8>)> {
    let (start, end) = string_field(raw, key)?;
    let b64 = &raw[start..end];
    let bytes = B64.decode(b64).ok()?;
    // Only canonical base64 comes back byte for byte when the recording is written.
    if B64.encode(&bytes) != b64 {
        return None;
    }
    let token = spool()?.store(&bytes).ok()?;
    let mut out = String::with_capacity(raw.len() - b64.len() + token.len());
    out.push_str(&raw[..start]);
    out.push_str(&token);
    out.push_str(&raw[end..]);
    Some((out, bytes))
}

/// An event with its audio payload (an audio delta's `delta`, an append's `audio`)
/// moved to the spool; any other message as it is. For recordings read back whole.
pub fn spool_event(raw: String) -> String {
    let key = if raw.contains("\"response.output_audio.delta\"")
        || raw.contains("\"response.audio.delta\"")
    {
        "delta"
    } else if raw.contains("\"input_audio_buffer.append\"") {
        "audio"
    } else {
        return raw;
    };
    extract(&raw, key).map_or(raw, |(cut, _)| cut)
}

/// The byte range of the contents of `"key": "…"` in `raw`, when the value is a
/// string without escapes (base64 never has any).
fn string_field(raw: &str, key: &str) -> Option<(usize, usize)> {
    let pat = format!("\"{key}\"");
    let mut from = 0;
    while let Some(at) = raw[from..].find(&pat) {
        let after_key = from + at + pat.len();
        let rest = raw[after_key..].trim_start();
        if let Some(value) = rest.strip_prefix(':').map(str::trim_start) {
            if let Some(body) = value.strip_prefix('"') {
                let start = raw.len() - body.len();
                let len = body.find(['"', '\\'])?;
                if body.as_bytes()[len] == b'"' {
                    return Some((start, start + len));
                }
                return None;
            }
        }
        from = after_key;
    }
    None
}

fn rand_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.write_u32(std::process::id());
    h.finish() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delta_comes_back_byte_for_byte() {
        let bytes: Vec<u8> = (0..=255).collect();
        let raw = format!(
            r#"{{"type":"response.output_audio.delta","item_id":"it","delta": "{}","x":1}}"#,
            B64.encode(&bytes)
        );
        let (cut, got) = extract(&raw, "delta").unwrap();
        assert_eq!(got, bytes);
        assert!(cut.len() < 120, "{cut}");
        assert!(cut.contains("\"delta\": \"@audio:"));
        assert_eq!(resolve(&cut), raw);
    }

    #[test]
    fn non_canonical_or_escaped_values_stay_inline() {
        assert!(extract(r#"{"delta":"AAE"}"#, "delta").is_none());
        assert!(extract(r#"{"delta":"AA\u0041"}"#, "delta").is_none());
        assert!(extract(r#"{"delta":3}"#, "delta").is_none());
        assert!(extract(r#"{"other":"AAAA"}"#, "delta").is_none());
    }

    #[test]
    fn a_token_from_elsewhere_is_left_alone() {
        let forged = r#"{"delta":"@audio:00000000:0:3"}"#;
        let _ = spool();
        assert_eq!(resolve(forged), forged);
    }

    #[test]
    fn the_key_is_matched_as_a_key_not_inside_a_value() {
        let raw = format!(r#"{{"note":"delta","delta":"{}"}}"#, B64.encode([1, 2, 3]));
        let (cut, bytes) = extract(&raw, "delta").unwrap();
        assert_eq!(bytes, [1, 2, 3]);
        assert!(
            cut.starts_with(r#"{"note":"delta","delta":"@audio:"#),
            "{cut}"
        );
    }
}
