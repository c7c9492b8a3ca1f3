//! Reading a call's two streams the same way everywhere: the events channel as text
//! messages, the remote audio track as decoded 48 kHz mono frames (or as raw RTP
//! packets, for the audio engine's jitter buffer).

use std::sync::Arc;

use tokio::sync::mpsc;
use webrtc::data_channel::{DataChannel, DataChannelEvent};
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};

use crate::audio::opus_codec::OpusDecoder;

/// Forwards every message of `dc` as text (binary is read as UTF-8, lossily), then
/// `None` once the channel has closed.
pub fn forward_messages(dc: Arc<dyn DataChannel>) -> mpsc::UnboundedReceiver<Option<String>> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(ev) = dc.poll().await {
            match ev {
                DataChannelEvent::OnMessage(m)
                    if tx
                        .send(Some(String::from_utf8_lossy(&m.data).into_owned()))
                        .is_err() =>
                {
                    return;
                }
                DataChannelEvent::OnClose => break,
                _ => {}
            }
        }
        let _ = tx.send(None);
    });
    rx
}

/// Decodes an Opus track and hands each frame to `on_frame` until the track ends or
/// `on_frame` returns false. Undecodable packets are skipped.
pub fn decode_track(
    track: Arc<dyn TrackRemote>,
    mut on_frame: impl FnMut(Vec<i16>) -> bool + Send + 'static,
) {
    tokio::spawn(async move {
        let mut decoder = match OpusDecoder::new() {
            Ok(d) => d,
            Err(e) => {
                tracing::error!("no Opus decoder, the remote audio is dropped: {e}");
                return;
            }
        };
        while let Some(ev) = track.poll().await {
            let TrackRemoteEvent::OnRtpPacket(packet) = ev else {
                continue;
            };
            if packet.payload.is_empty() {
                continue;
            }
            match decoder.decode(&packet.payload) {
                Ok(pcm) => {
                    if !on_frame(pcm) {
                        return;
                    }
                }
                Err(e) => tracing::debug!("undecodable audio packet: {e}"),
            }
        }
    });
}

/// Hands every RTP packet of a remote track to `on_packet` as (sequence number,
/// payload), undecoded, until the track ends or `on_packet` returns false: for a
/// jitter buffer, which needs the sequence numbers to reorder and detect loss.
pub fn forward_rtp(
    track: Arc<dyn TrackRemote>,
    mut on_packet: impl FnMut(u16, &[u8]) -> bool + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(ev) = track.poll().await {
            let TrackRemoteEvent::OnRtpPacket(packet) = ev else {
                continue;
            };
            if packet.payload.is_empty() {
                continue;
            }
            if !on_packet(packet.header.sequence_number, &packet.payload) {
                return;
            }
        }
    })
}
