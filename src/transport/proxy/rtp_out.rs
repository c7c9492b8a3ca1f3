//! One leg's outgoing audio on a relayed call. Relayed packets keep their payload,
//! marker, and the spacing of their sequence numbers and timestamps (so the far end
//! sees the sender's own timing and losses), shifted to continue whatever this leg
//! sent before: the silent packets that wake webrtc's driver while the app's channel
//! opens, or a stream from a sender that restarted.

use bytes::Bytes;
use rtc::rtp::{Header, Packet};

use crate::transport::rtc_setup::AudioSender;

/// One 20 ms Opus frame at 48 kHz, in RTP timestamp units.
const FRAME_TICKS: u32 = 960;

pub(super) struct RtpOut {
    sender: AudioSender,
    next_seq: u16,
    next_ts: u32,
    /// What is added to a relayed packet's sequence number and timestamp; set by
    /// the first packet after a silent one.
    shift: Option<(u16, u32)>,
    last_ssrc: Option<u32>,
}

impl RtpOut {
    pub(super) fn new(sender: AudioSender) -> RtpOut {
        RtpOut {
            sender,
            next_seq: rand::random(),
            next_ts: rand::random(),
            shift: None,
            last_ssrc: None,
        }
    }

    /// Sends one encoded frame of our own (silence, to wake the driver).
    pub(super) async fn silence(&mut self, frame: &[u8]) {
        let packet = Packet {
            header: Header {
                version: 2,
                sequence_number: self.next_seq,
                timestamp: self.next_ts,
                ..Header::default()
            },
            payload: Bytes::copy_from_slice(frame),
        };
        self.shift = None;
        self.advance(self.next_seq, self.next_ts);
        if let Err(e) = self.sender.send_rtp(packet).await {
            tracing::debug!("proxy: a silent packet was not sent: {e}");
        }
    }

    /// Relays a packet from the other leg.
    pub(super) async fn relay(&mut self, mut packet: Packet) {
        let ssrc = packet.header.ssrc;
        if self.last_ssrc != Some(ssrc) {
            // A new source starts a new sequence space.
            self.shift = None;
            self.last_ssrc = Some(ssrc);
        }
        let (seq_shift, ts_shift) = *self.shift.get_or_insert((
            self.next_seq.wrapping_sub(packet.header.sequence_number),
            self.next_ts.wrapping_sub(packet.header.timestamp),
        ));
        let seq = packet.header.sequence_number.wrapping_add(seq_shift);
        let ts = packet.header.timestamp.wrapping_add(ts_shift);
        packet.header.sequence_number = seq;
        packet.header.timestamp = ts;
        // A late, reordered packet does not move the next numbers back.
        if (seq.wrapping_sub(self.next_seq) as i16) >= 0 {
            self.advance(seq, ts);
        }
        if let Err(e) = self.sender.send_rtp(packet).await {
            tracing::debug!("proxy: a relayed packet was not sent: {e}");
        }
    }

    fn advance(&mut self, seq: u16, ts: u32) {
        self.next_seq = seq.wrapping_add(1);
        self.next_ts = ts.wrapping_add(FRAME_TICKS);
    }
}
