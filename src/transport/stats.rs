//! Transport statistics for the core: round-trip time of the selected candidate pair,
//! jitter and loss of the incoming audio, bytes both ways.

use std::sync::Arc;
use std::time::Instant;

use rtc::statistics::report::RTCStatsReportEntry;
use webrtc::peer_connection::{PeerConnection, StatsSelector};

use crate::session::TransportStats;

/// One sample of the connection's statistics.
pub async fn sample(pc: &Arc<dyn PeerConnection>) -> TransportStats {
    let report = pc.get_stats(Instant::now(), StatsSelector::None).await;
    let mut out = TransportStats::default();
    let mut pair_bytes = (0u64, 0u64);
    for entry in report.iter() {
        match entry {
            RTCStatsReportEntry::IceCandidatePair(p) if p.nominated => {
                if p.current_round_trip_time > 0.0 {
                    out.rtt_ms = Some(p.current_round_trip_time * 1e3);
                }
                pair_bytes = (p.bytes_sent, p.bytes_received);
            }
            RTCStatsReportEntry::Transport(t) => {
                out.bytes_sent = out.bytes_sent.max(t.bytes_sent);
                out.bytes_received = out.bytes_received.max(t.bytes_received);
            }
            RTCStatsReportEntry::InboundRtp(r) => {
                let rx = &r.received_rtp_stream_stats;
                out.packets_lost += rx.packets_lost.max(0) as u64;
                // rtc 0.21.1 documents seconds but passes the RTCP receiver report's
                // field through unconverted: RTP timestamp units, 48 per ms for Opus.
                let jitter = rx.jitter / 48.0;
                out.jitter_ms = Some(out.jitter_ms.map_or(jitter, |j: f64| j.max(jitter)));
            }
            _ => {}
        }
    }
    // Some builds fill the pair's counters and not the transport's.
    out.bytes_sent = out.bytes_sent.max(pair_bytes.0);
    out.bytes_received = out.bytes_received.max(pair_bytes.1);
    out
}
