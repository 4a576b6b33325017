/// A record to load and the line of the file it came from, so that an error can name it.
public struct Lined<Value: Sendable>: Sendable {
    public let value: Value
    public let line: Int

    public init(_ value: Value, line: Int) {
        self.value = value
        self.line = line
    }
}
