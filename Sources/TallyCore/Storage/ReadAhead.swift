import Foundation

/// A `LoadSource` that reads another one on a thread of its own, at most `depth` chunks ahead
/// of the load: the file is read and checked while the store writes the chunk before, and
/// memory still holds only a few chunks. The chunks, and the error that ends them, come out in
/// the order the source gave them.
///
/// The load's caller calls `stop()` when the load ends (it returned or threw), so that the
/// thread does not read on: it finishes the chunk it is reading, if any, and ends.
public final class ReadAhead: LoadSource, @unchecked Sendable {
    // `queue` and `stopped` are read and written under `condition` only; the source is called
    // from the reading thread only.

    private let condition = NSCondition()
    private var queue: [Result<LoadChunk?, any Error>] = []
    private var stopped = false
    private let depth: Int

    /// Starts reading `source`, keeping up to `depth` chunks ready.
    public init(_ source: any LoadSource, depth: Int = 2) {
        precondition(depth > 0)
        self.depth = depth
        let thread = Thread { [self] in read(source) }
        thread.name = "tally-read-ahead"
        thread.start()
    }

    /// The thread's loop: pull a chunk whenever there is room, until the end, an error or `stop`.
    private func read(_ source: any LoadSource) {
        while true {
            condition.lock()
            while queue.count >= depth && !stopped { condition.wait() }
            let stop = stopped
            condition.unlock()
            if stop { return }
            let result = Result { try source.next() }
            condition.lock()
            queue.append(result)
            condition.broadcast()
            condition.unlock()
            if case .success(.some) = result { continue }
            return  // the end, or an error
        }
    }

    public func next() throws -> LoadChunk? {
        condition.lock()
        while queue.isEmpty { condition.wait() }
        let result = queue[0]
        // The end and an error stay queued, so that asking again answers the same.
        if case .success(.some) = result {
            queue.removeFirst()
            condition.broadcast()
        }
        condition.unlock()
        return try result.get()
    }

    /// Ends the reading: the thread stops before its next chunk.
    public func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }
}
