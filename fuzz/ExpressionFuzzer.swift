// libFuzzer entry point for expressions and `${{ }}` interpolation (built by fuzz/libfuzzer.sh
// together with Sources/DocketCore/Value.swift and Expression.swift, not by SwiftPM).
// Parsing either succeeds or throws an ExpressionError inside the text; evaluation of what parsed
// either gives a value or an ExpressionError; nothing traps or overflows the stack.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExpression(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let scope = ExpressionScope(caseID: "2022-c1", inputs: ["kind": .string("cloud"), "n": .int(3)],
                                outputs: ["vote": ["approved": .bool(true)]])
    let length = text.unicodeScalars.count
    do {
        let e = try Expression.parse(text)
        _ = e.references
        _ = try? e.evaluate(in: scope)
    } catch {
        precondition(error.offset >= 0 && error.offset <= length, "offset \(error.offset) outside the text")
    }
    do {
        let i = try Interpolation(parsing: text)
        _ = try? i.evaluate(in: scope)
    } catch {
        precondition(error.offset >= 0 && error.offset <= length, "offset \(error.offset) outside the text")
    }
    return 0
}
