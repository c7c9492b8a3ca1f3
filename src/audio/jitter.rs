//! The receive-side jitter buffer: RTP packets of the remote track, put back in order
//! by sequence number and released one per 20 ms of playback.
//!
//! It holds a few packets (the target depth) before it starts, so a packet that
//! arrives a little late or out of order still makes its slot; a packet that has not
//! arrived when its slot comes is declared lost and concealed. A burst that would push
//! the depth past the maximum drops the oldest packets, so latency is bounded however
//! the network behaves. Sequence numbers are 16 bits and wrap; they are extended to 64
//! bits on arrival so ordering is plain integer comparison.

use std::collections::BTreeMap;

/// Depths in packets; the Realtime API and browsers send 20 ms packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JitterConfig {
    /// Packets held before playing starts: the jitter absorbed, and the latency added.
    pub target: usize,
    /// Depth beyond which the oldest packets are dropped (back down to `target`).
    pub max: usize,
}

impl Default for JitterConfig {
    fn default() -> Self {
        // 60 ms absorbs ordinary Wi-Fi jitter; 200 ms caps what a stall can add.
        JitterConfig { target: 3, max: 10 }
    }
}

/// A jump larger than this (either way) is a new stream, not reordering: after a
/// server-side restart or an SSRC change the old numbering means nothing.
const RESTART_GAP: i64 = 1000;

/// What happened to an arriving packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    Queued,
    /// Its slot has already been played or concealed.
    Late,
    Duplicate,
    /// The sequence jumped so far that the buffer started over with this packet.
    Restarted,
}

/// What to play for the next 20 ms.
#[derive(Debug, PartialEq, Eq)]
pub enum Pop {
    Packet(Vec<u8>),
    /// The packet for this slot never came but later ones did: conceal it (Opus PLC,
    /// or FEC from [`JitterBuffer::upcoming`]).
    Lost,
    /// The buffer ran dry while playing: silence, and buffering starts again.
    Underrun,
    /// Nothing to play yet (no stream, or filling up to the target depth).
    Idle,
}

/// Counters since the buffer was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JitterStats {
    pub received: u64,
    pub played: u64,
    pub concealed: u64,
    pub late: u64,
    pub duplicates: u64,
    /// Dropped to keep the depth under the maximum.
    pub dropped: u64,
    pub underruns: u64,
    pub restarts: u64,
}

#[derive(Debug, Clone)]
pub struct JitterBuffer {
    config: JitterConfig,
    packets: BTreeMap<u64, Vec<u8>>,
    /// Extended sequence number of the next slot to play, once known.
    next: Option<u64>,
    highest: Option<u64>,
    playing: bool,
    /// Pops spent buffering with something queued: a response shorter than the target
    /// depth must still play, so buffering gives up waiting after `target` pops.
    waited: usize,
    stats: JitterStats,
}

impl JitterBuffer {
    pub fn new(config: JitterConfig) -> JitterBuffer {
        let target = config.target.max(1);
        JitterBuffer {
            config: JitterConfig {
                target,
                max: config.max.max(target),
            },
            packets: BTreeMap::new(),
            next: None,
            highest: None,
            playing: false,
            waited: 0,
            stats: JitterStats::default(),
        }
    }

    pub fn insert(&mut self, seq: u16, payload: Vec<u8>) -> Arrival {
        self.stats.received += 1;
        let mut arrival = Arrival::Queued;
        let ext = match self.highest {
            None => first_extended(seq),
            Some(h) => {
                let ext = extend(h, seq);
                if (ext - h as i64).abs() > RESTART_GAP {
                    self.restart();
                    arrival = Arrival::Restarted;
                    first_extended(seq)
                } else {
                    ext as u64
                }
            }
        };
        if self.next.is_some_and(|next| ext < next) {
            self.stats.late += 1;
            return Arrival::Late;
        }
        if self.packets.contains_key(&ext) {
            self.stats.duplicates += 1;
            return Arrival::Duplicate;
        }
        self.packets.insert(ext, payload);
        self.highest = Some(self.highest.map_or(ext, |h| h.max(ext)));
        if self.playing {
            self.trim();
        }
        arrival
    }

    /// The next 20 ms: call once per 20 ms of playback.
    pub fn pop(&mut self) -> Pop {
        if !self.playing {
            let Some(&first) = self.packets.keys().next() else {
                return Pop::Idle;
            };
            self.waited += 1;
            if self.packets.len() < self.config.target && self.waited <= self.config.target {
                return Pop::Idle;
            }
            self.playing = true;
            self.waited = 0;
            self.next = Some(first);
            self.trim();
        }
        let Some(next) = self.next else {
            return Pop::Idle;
        };
        if let Some(p) = self.packets.remove(&next) {
            self.next = Some(next + 1);
            self.stats.played += 1;
            return Pop::Packet(p);
        }
        if self.packets.is_empty() {
            self.playing = false;
            self.stats.underruns += 1;
            return Pop::Underrun;
        }
        self.next = Some(next + 1);
        self.stats.concealed += 1;
        Pop::Lost
    }

    /// The packet due next, if it is here: after [`Pop::Lost`] it may carry FEC for
    /// the lost one.
    pub fn upcoming(&self) -> Option<&[u8]> {
        self.next
            .and_then(|n| self.packets.get(&n))
            .map(Vec::as_slice)
    }

    /// Drops everything queued (the server cleared its output buffer); packets already
    /// on the way for the old audio will count as late.
    pub fn flush(&mut self) {
        self.packets.clear();
        self.playing = false;
        self.waited = 0;
        self.next = self.highest.map(|h| h + 1);
    }

    /// Packets between the play position and the newest arrival (gaps included), or
    /// queued packets while buffering.
    pub fn depth(&self) -> usize {
        match (self.playing, self.next, self.highest) {
            (true, Some(next), Some(h)) if h >= next => (h + 1 - next) as usize,
            (true, _, _) => 0,
            (false, _, _) => self.packets.len(),
        }
    }

    pub fn is_playing(&self) -> bool {
        self.playing
    }

    pub fn stats(&self) -> JitterStats {
        self.stats
    }

    pub fn config(&self) -> JitterConfig {
        self.config
    }

    /// Skips the oldest slots until the depth is back at the target: one audible skip
    /// instead of a latency that never comes down.
    fn trim(&mut self) {
        if self.depth() <= self.config.max {
            return;
        }
        while self.depth() > self.config.target {
            let Some(next) = self.next else { return };
            if self.packets.remove(&next).is_some() {
                self.stats.dropped += 1;
            }
            self.next = Some(next + 1);
        }
    }

    fn restart(&mut self) {
        self.stats.restarts += 1;
        self.packets.clear();
        self.next = None;
        self.highest = None;
        self.playing = false;
        self.waited = 0;
    }
}

/// Room below the first packet so that reordered predecessors still extend to
/// positive numbers.
fn first_extended(seq: u16) -> u64 {
    (1 << 32) + u64::from(seq)
}

/// The extended number of `seq`, taken as the closest one to `reference`.
fn extend(reference: u64, seq: u16) -> i64 {
    let delta = seq.wrapping_sub(reference as u16) as i16;
    reference as i64 + i64::from(delta)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(seq: u16) -> Vec<u8> {
        seq.to_be_bytes().to_vec()
    }

    fn seq_of(pop: &Pop) -> Option<u16> {
        match pop {
            Pop::Packet(v) => Some(u16::from_be_bytes([v[0], v[1]])),
            _ => None,
        }
    }

    fn jb() -> JitterBuffer {
        JitterBuffer::new(JitterConfig::default())
    }

    /// Feeds `arrivals` one per pop (None = nothing arrives that tick) and returns what
    /// was played, with None for lost/idle slots.
    fn run(jb: &mut JitterBuffer, arrivals: &[Option<u16>]) -> Vec<Pop> {
        let mut out = Vec::new();
        for a in arrivals {
            if let Some(s) = a {
                jb.insert(*s, p(*s));
            }
            out.push(jb.pop());
        }
        out
    }

    fn played(pops: &[Pop]) -> Vec<u16> {
        pops.iter().filter_map(seq_of).collect()
    }

    #[test]
    fn waits_for_the_target_depth_then_plays_in_order() {
        let mut b = jb();
        let pops = run(&mut b, &(0..20).map(Some).collect::<Vec<_>>());
        assert_eq!(pops[..2], [Pop::Idle, Pop::Idle]);
        assert_eq!(played(&pops), (0..18).collect::<Vec<_>>());
        assert_eq!(b.depth(), 2);
    }

    #[test]
    fn reordering_within_the_depth_is_absorbed() {
        let mut b = jb();
        let order = [0, 2, 1, 3, 5, 4, 7, 6, 8, 10, 9, 11, 12, 13];
        let mut arrivals: Vec<Option<u16>> = order.iter().map(|&s| Some(s)).collect();
        arrivals.extend([None; 3]);
        let pops = run(&mut b, &arrivals);
        assert_eq!(played(&pops), (0..14).collect::<Vec<_>>());
        assert_eq!(b.stats().concealed, 0);
    }

    #[test]
    fn a_missing_packet_is_concealed_and_its_late_arrival_rejected() {
        let mut b = jb();
        let mut arrivals: Vec<Option<u16>> = (0..12).filter(|&s| s != 5).map(Some).collect();
        arrivals.push(Some(5)); // far too late
        arrivals.extend([None; 4]);
        let pops = run(&mut b, &arrivals);
        assert_eq!(pops.iter().filter(|p| **p == Pop::Lost).count(), 1);
        assert_eq!(played(&pops), [0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11]);
        assert_eq!((b.stats().concealed, b.stats().late), (1, 1));
    }

    #[test]
    fn after_a_loss_the_next_packet_is_offered_for_fec() {
        let mut b = jb();
        for s in [0, 1, 3, 4] {
            b.insert(s, p(s));
        }
        assert_eq!(seq_of(&b.pop()), Some(0));
        assert_eq!(seq_of(&b.pop()), Some(1));
        assert_eq!(b.pop(), Pop::Lost);
        assert_eq!(b.upcoming(), Some(&p(3)[..]));
    }

    #[test]
    fn duplicates_are_counted_once() {
        let mut b = jb();
        assert_eq!(b.insert(7, p(7)), Arrival::Queued);
        assert_eq!(b.insert(7, p(7)), Arrival::Duplicate);
        assert_eq!(b.stats().duplicates, 1);
    }

    #[test]
    fn sequence_numbers_wrap() {
        let mut b = jb();
        let seqs: Vec<u16> = (0..20u16).map(|i| 65530u16.wrapping_add(i)).collect();
        // Reorder across the wrap as well.
        let mut arrivals: Vec<Option<u16>> = seqs.iter().map(|&s| Some(s)).collect();
        arrivals.swap(5, 6); // 65535 and 0
        arrivals.extend([None; 3]);
        let pops = run(&mut b, &arrivals);
        assert_eq!(played(&pops), seqs);
        assert_eq!(b.stats().concealed + b.stats().late, 0);
    }

    #[test]
    fn a_burst_is_trimmed_to_bound_latency() {
        let mut b = jb();
        run(&mut b, &[Some(0), Some(1), Some(2), Some(3)]);
        assert!(b.is_playing());
        for s in 4..60 {
            b.insert(s, p(s));
            assert!(b.depth() <= b.config().max, "depth {}", b.depth());
        }
        assert!(b.stats().dropped > 40, "{:?}", b.stats());
        // What remains plays on in order from the newest packets.
        let rest: Vec<u16> = (0..10).filter_map(|_| seq_of(&b.pop())).collect();
        assert_eq!(rest.last(), Some(&59));
        assert!(rest.windows(2).all(|w| w[1] == w[0] + 1));
    }

    #[test]
    fn a_fast_sender_never_grows_the_buffer_past_the_maximum() {
        // 21 packets for every 20 pops: a clock running 5% fast, for 100 s.
        let mut b = jb();
        let mut seq = 0u16;
        for tick in 0..5000u32 {
            let n = if tick % 20 == 0 { 2 } else { 1 };
            for _ in 0..n {
                b.insert(seq, p(seq));
                seq = seq.wrapping_add(1);
            }
            b.pop();
            assert!(b.depth() <= b.config().max);
        }
        assert!(b.stats().dropped > 0);
        assert_eq!(b.stats().underruns, 0);
    }

    #[test]
    fn a_slow_sender_underruns_then_rebuffers() {
        // 19 packets for every 20 pops.
        let mut b = jb();
        let mut arrivals = Vec::new();
        let mut seq = 0;
        for tick in 0..400 {
            if tick % 20 == 19 {
                arrivals.push(None);
            } else {
                arrivals.push(Some(seq));
                seq += 1;
            }
        }
        let pops = run(&mut b, &arrivals);
        let stats = b.stats();
        assert!(stats.underruns > 0, "{stats:?}");
        assert_eq!(stats.concealed, 0);
        // Every packet still plays, in order.
        let got = played(&pops);
        assert!(got.windows(2).all(|w| w[1] == w[0] + 1));
        assert!(got.len() >= seq as usize - b.config().target);
        assert_eq!(
            pops.iter().filter(|p| **p == Pop::Underrun).count() as u64,
            stats.underruns
        );
    }

    #[test]
    fn a_response_shorter_than_the_target_still_plays() {
        let mut b = jb();
        b.insert(100, p(100));
        b.insert(101, p(101));
        let pops: Vec<Pop> = (0..6).map(|_| b.pop()).collect();
        assert_eq!(played(&pops), [100, 101]);
    }

    #[test]
    fn flush_drops_queued_audio_and_old_packets_in_flight() {
        let mut b = jb();
        run(&mut b, &(0..6).map(Some).collect::<Vec<_>>());
        b.flush();
        assert_eq!(b.depth(), 0);
        assert_eq!(b.pop(), Pop::Idle);
        assert_eq!(b.insert(5, p(5)), Arrival::Late);
        let pops = run(&mut b, &[Some(6), Some(7), Some(8), None]);
        assert_eq!(played(&pops), [6, 7]);
    }

    #[test]
    fn a_jump_in_numbering_starts_a_new_stream() {
        let mut b = jb();
        run(&mut b, &(0..6).map(Some).collect::<Vec<_>>());
        assert_eq!(b.insert(30_000, p(30_000)), Arrival::Restarted);
        let pops = run(&mut b, &[Some(30_001), Some(30_002), None, None]);
        assert_eq!(played(&pops), [30_000, 30_001, 30_002]);
        assert_eq!(b.stats().restarts, 1);
    }
}
