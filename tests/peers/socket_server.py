"""An independent Realtime API socket server for rtconsole's WebSocket client, written
with Python's `websockets` and `base64`, nothing of rtconsole's: it checks what the client
sends (auth, base64 pcm16 appends of 40 ms with the speech in them) and answers with its
own audio (a 440 Hz tone, 2 s of 40 ms deltas sent in one burst, as the API does), then
starts a barge-in and waits for the client's truncate. Prints `PORT n` when listening and
one JSON report line per connection when it ends."""

import asyncio
import base64
import json
import math
import struct
import sys

import websockets

KEY = sys.argv[1] if len(sys.argv) > 1 else "sk-peer-test"


def tone_delta(k):
    samples = [int(8000 * math.sin(2 * math.pi * 440 * (k * 960 + i) / 24000)) for i in range(960)]
    return base64.b64encode(struct.pack("<960h", *samples)).decode()


async def answer(ws):
    send = lambda ev: ws.send(json.dumps(ev))
    await send({"type": "response.created", "event_id": "ev_rc",
                "response": {"id": "resp_py", "object": "realtime.response", "status": "in_progress",
                             "output": [], "conversation_id": "conv_py"}})
    for k in range(50):
        await send({"type": "response.output_audio.delta", "event_id": f"ev_d{k}", "response_id": "resp_py",
                    "item_id": "item_py", "output_index": 0, "content_index": 0, "delta": tone_delta(k)})
    await send({"type": "response.output_audio.done", "event_id": "ev_ad", "response_id": "resp_py",
                "item_id": "item_py", "output_index": 0, "content_index": 0})
    await asyncio.sleep(0.5)
    # The user speaks over the answer: the server cancels; the client must truncate.
    await send({"type": "input_audio_buffer.speech_started", "event_id": "ev_ss",
                "audio_start_ms": 0, "item_id": "item_user2"})
    await send({"type": "response.done", "event_id": "ev_rd",
                "response": {"id": "resp_py", "object": "realtime.response", "status": "cancelled",
                             "output": [], "conversation_id": "conv_py"}})


async def handler(ws):
    report = {"path": ws.request.path,
              "auth_ok": ws.request.headers.get("Authorization") == f"Bearer {KEY}",
              "beta_header": ws.request.headers.get("OpenAI-Beta"),
              "appends": 0, "bad_appends": 0, "loud_appends": 0, "truncates": []}
    await ws.send(json.dumps({"type": "session.created", "event_id": "ev0", "session": {
        "type": "realtime", "object": "realtime.session", "id": "sess_py", "model": "gpt-realtime"}}))
    answering = None
    try:
        async for msg in ws:
            ev = json.loads(msg)
            kind = ev.get("type")
            if kind == "session.update":
                await ws.send(json.dumps({"type": "session.updated", "event_id": "ev_su",
                                          "session": ev.get("session", {})}))
            elif kind == "input_audio_buffer.append":
                report["appends"] += 1
                try:
                    raw = base64.b64decode(ev["audio"], validate=True)
                except Exception:
                    report["bad_appends"] += 1
                    continue
                if len(raw) != 1920:
                    report["bad_appends"] += 1
                    continue
                samples = struct.unpack("<960h", raw)
                rms = math.sqrt(sum(s * s for s in samples) / 960)
                if rms > 300:
                    report["loud_appends"] += 1
                if report["loud_appends"] == 10 and answering is None:
                    answering = asyncio.create_task(answer(ws))
            elif kind == "conversation.item.truncate":
                report["truncates"].append(ev)
                await ws.send(json.dumps({"type": "conversation.item.truncated", "event_id": "ev_tr",
                                          "item_id": ev.get("item_id"), "content_index": 0,
                                          "audio_end_ms": ev.get("audio_end_ms")}))
    except websockets.ConnectionClosed:
        pass
    print(json.dumps(report), flush=True)


async def main():
    async with websockets.serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"PORT {port}", flush=True)
        await asyncio.Future()


asyncio.run(main())
