//! The ceiling of a large GET on this machine: the read pipeline of `src/sealed.rs` with
//! everything else taken away. Not a timed test: `scripts/bench-peers` runs it beside its
//! loopback reference, so the table shows how much of loopback TCP a GET can reach at all.
//!
//! ```text
//! cargo run --release -p coffer-blob --example read_ceiling -- --dir /tmp --seconds 3 --json
//! ```
//!
//! A body of `--mib` MiB (default 256) is written in Coffer's encrypted format and as plain
//! bytes, and read once so both sit in the page cache. Then, for each, one thread reads
//! 1 MiB batches with `pread` into recycled buffers (decrypting the encrypted one in place
//! with [`crypt::decrypt_in_place`]), a second writes the plaintext to a loopback TCP
//! socket, and a third reads it back and compares every byte: a GET without HTTP,
//! async tasks, allocation or metadata. The pipeline loops over the file for `--seconds`.

use std::error::Error;
use std::fs::File;
use std::io::{self, IoSlice, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::ops::Range;
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::{Duration, Instant};

use coffer_blob::crypt::{self, CHUNK_SIZE, Encryptor, HEADER_LEN, SecretKey};

/// Chunks per batch, as `src/sealed.rs` reads them.
const CHUNKS_PER_READ: usize = 16;

type Batch = (Vec<u8>, Vec<Range<usize>>);

struct Args {
    dir: PathBuf,
    seconds: f64,
    mib: usize,
    json: bool,
}

fn args() -> Result<Args, Box<dyn Error>> {
    let mut out = Args {
        dir: std::env::temp_dir(),
        seconds: 3.0,
        mib: 256,
        json: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--dir" => out.dir = PathBuf::from(value()?),
            "--seconds" => out.seconds = value()?.parse()?,
            "--mib" => out.mib = value()?.parse()?,
            "--json" => out.json = true,
            "-h" | "--help" => {
                println!("read_ceiling [--dir DIR] [--seconds S] [--mib N] [--json]");
                std::process::exit(0);
            }
            _ => return Err(format!("unknown argument {a}").into()),
        }
    }
    if out.mib == 0 || out.seconds <= 0.0 {
        return Err("--mib and --seconds must be positive".into());
    }
    Ok(out)
}

/// A reproducible pseudo-random body (xorshift64).
fn body(len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for word in out.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        word.copy_from_slice(&x.to_le_bytes()[..word.len()]);
    }
    out
}

fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    // Read it back once so the timed runs read from the page cache, as a hot GET does.
    io::copy(&mut File::open(path)?, &mut io::sink())?;
    Ok(())
}

/// How the reader turns batch `i` of the file into plaintext spans of a buffer.
trait Source: Send + 'static {
    fn batches(&self) -> usize;
    fn batch_len(&self) -> usize;
    fn fill(&self, i: usize, buf: &mut Vec<u8>) -> io::Result<Vec<Range<usize>>>;
}

struct Plain {
    file: File,
    size: usize,
}

impl Source for Plain {
    fn batches(&self) -> usize {
        self.size.div_ceil(CHUNK_SIZE * CHUNKS_PER_READ)
    }
    fn batch_len(&self) -> usize {
        CHUNK_SIZE * CHUNKS_PER_READ
    }
    fn fill(&self, i: usize, buf: &mut Vec<u8>) -> io::Result<Vec<Range<usize>>> {
        let at = i * self.batch_len();
        let n = self.batch_len().min(self.size - at);
        buf.resize(n, 0);
        self.file.read_exact_at(buf, at as u64)?;
        Ok(std::iter::once(0..n).collect())
    }
}

struct Sealed {
    file: File,
    size: usize,
    key: SecretKey,
    header: [u8; HEADER_LEN],
}

impl Source for Sealed {
    fn batches(&self) -> usize {
        self.size.div_ceil(CHUNK_SIZE * CHUNKS_PER_READ)
    }
    fn batch_len(&self) -> usize {
        (CHUNK_SIZE + crypt::TAG_LEN) * CHUNKS_PER_READ
    }
    fn fill(&self, i: usize, buf: &mut Vec<u8>) -> io::Result<Vec<Range<usize>>> {
        let per = (CHUNK_SIZE * CHUNKS_PER_READ) as u64;
        let size = self.size as u64;
        let from = i as u64 * per;
        let (first, offset, len) = crypt::chunk_span(size, from, per.min(size - from));
        buf.resize(usize::try_from(len).map_err(io::Error::other)?, 0);
        self.file.read_exact_at(buf, offset)?;
        crypt::decrypt_in_place(&self.key, 0, &self.header, size, first, buf).map_err(io::Error::other)
    }
}

fn reader(source: impl Source, full: SyncSender<Batch>, empty: Receiver<Vec<u8>>) -> io::Result<()> {
    let mut i = 0;
    while let Ok(mut buf) = empty.recv() {
        let spans = source.fill(i % source.batches(), &mut buf)?;
        if full.send((buf, spans)).is_err() {
            break;
        }
        i += 1;
    }
    Ok(())
}

fn receiver(mut socket: TcpStream, expect: &[u8]) -> io::Result<(u64, Duration, bool)> {
    let mut buf = vec![0u8; 1 << 20];
    let (mut at, mut total, mut same) = (0usize, 0u64, true);
    let start = Instant::now();
    loop {
        let n = socket.read(&mut buf)?;
        if n == 0 {
            return Ok((total, start.elapsed(), same));
        }
        let mut done = 0;
        while done < n {
            let take = (n - done).min(expect.len() - at);
            same &= buf[done..done + take] == expect[at..at + take];
            at = (at + take) % expect.len();
            done += take;
        }
        total += n as u64;
    }
}

/// MiB/s of plaintext through read, (decrypt,) send, receive and compare.
fn pipeline(source: impl Source, expect: &[u8], seconds: f64) -> Result<f64, Box<dyn Error>> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let expect = expect.to_vec();
    let rx = std::thread::spawn(move || -> io::Result<(u64, Duration, bool)> {
        let (socket, _) = listener.accept()?;
        receiver(socket, &expect)
    });
    let mut socket = TcpStream::connect(addr)?;
    socket.set_nodelay(true)?;
    // Three buffers: one being read, one queued, one being sent (READ_AHEAD = 2).
    let (full_tx, full_rx) = sync_channel::<Batch>(1);
    let (empty_tx, empty_rx) = sync_channel::<Vec<u8>>(3);
    for _ in 0..3 {
        empty_tx.send(vec![0u8; source.batch_len()])?;
    }
    let rd = std::thread::spawn(move || reader(source, full_tx, empty_rx));
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    while Instant::now() < deadline {
        let (buf, spans) = full_rx.recv()?;
        let mut slices: Vec<IoSlice> = spans.iter().map(|s| IoSlice::new(&buf[s.clone()])).collect();
        let mut rest = &mut slices[..];
        while !rest.is_empty() {
            let n = socket.write_vectored(rest)?;
            IoSlice::advance_slices(&mut rest, n);
        }
        empty_tx.send(buf)?;
    }
    drop(socket);
    drop(empty_tx);
    drop(full_rx);
    rd.join().map_err(|_| "reader thread panicked")??;
    let (bytes, elapsed, same) = rx.join().map_err(|_| "receiver thread panicked")??;
    if !same {
        return Err("the received bytes differ from the body".into());
    }
    Ok(bytes as f64 / f64::from(1u32 << 20) / elapsed.as_secs_f64())
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = args()?;
    let size = args.mib << 20;
    let plain = body(size);
    let key = SecretKey::generate();
    let mut sealed = Vec::with_capacity(usize::try_from(crypt::encrypted_len(size as u64))?);
    let mut enc = Encryptor::new(&key, 0);
    for piece in plain.chunks(1 << 20) {
        enc.push(piece, &mut sealed);
    }
    enc.finish(&mut sealed);
    let header = crypt::check_header(&sealed)?;
    let plain_path = args
        .dir
        .join(format!("read-ceiling-{}.plain", std::process::id()));
    let sealed_path = args
        .dir
        .join(format!("read-ceiling-{}.sealed", std::process::id()));
    let result = (|| -> Result<(f64, f64), Box<dyn Error>> {
        write_file(&plain_path, &plain)?;
        write_file(&sealed_path, &sealed)?;
        drop(sealed);
        let plain_rate = pipeline(
            Plain {
                file: File::open(&plain_path)?,
                size,
            },
            &plain,
            args.seconds,
        )?;
        let sealed_rate = pipeline(
            Sealed {
                file: File::open(&sealed_path)?,
                size,
                key,
                header,
            },
            &plain,
            args.seconds,
        )?;
        Ok((plain_rate, sealed_rate))
    })();
    let _ = std::fs::remove_file(&plain_path);
    let _ = std::fs::remove_file(&sealed_path);
    let (plain_rate, sealed_rate) = result?;
    if args.json {
        println!(
            "{{\"mib_per_s\": {sealed_rate:.1}, \"plain_mib_per_s\": {plain_rate:.1}, \"seconds\": {}, \"mib\": {}}}",
            args.seconds, args.mib
        );
    } else {
        println!("encrypted: {sealed_rate:.0} MiB/s; unencrypted: {plain_rate:.0} MiB/s");
    }
    Ok(())
}
