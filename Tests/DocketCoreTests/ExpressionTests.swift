import DocketCore
import XCTest

final class ExpressionTests: XCTestCase {
    let scope = ExpressionScope(
        caseID: "2022-c1",
        inputs: ["kind": .string("cloud"), "count": .int(3), "urgent": .bool(true), "date": .string("2022-06-27")],
        outputs: ["vote": ["approved": .bool(false), "for": .int(15)]])

    func eval(_ source: String) throws -> Value {
        try Expression.parse(source).evaluate(in: scope)
    }

    func testReferencesAndLiterals() throws {
        XCTAssertEqual(try eval("inputs.kind"), .string("cloud"))
        XCTAssertEqual(try eval("steps.vote.outputs.for"), .int(15))
        XCTAssertEqual(try eval("case.id"), .string("2022-c1"))
        XCTAssertEqual(try eval("'it''s'"), .string("it's"))
        XCTAssertEqual(try eval("\"x\""), .string("x"))
        XCTAssertEqual(try eval("-2.5"), .double(-2.5))
        XCTAssertEqual(try eval("steps.skipped.outputs.x"), .null)
    }

    func testOperatorsAndPrecedence() throws {
        XCTAssertEqual(try eval("inputs.kind == 'cloud' && inputs.count > 2"), .bool(true))
        XCTAssertEqual(try eval("inputs.kind != 'cloud' || inputs.count >= 3"), .bool(true))
        XCTAssertEqual(try eval("!(inputs.count < 3)"), .bool(true))
        XCTAssertEqual(try eval("false && true || true"), .bool(true), "&& binds tighter than ||")
        XCTAssertEqual(try eval("inputs.count == 3.0"), .bool(true), "numbers compare by value")
        XCTAssertEqual(try eval("inputs.date <= '2022-12-31'"), .bool(true), "dates compare as text")
        XCTAssertEqual(try eval("!steps.vote.outputs.approved"), .bool(true))
        XCTAssertEqual(try eval("!steps.nothing.outputs.x"), .bool(true), "null counts as false")
        XCTAssertEqual(try eval("inputs.kind == 3"), .bool(false))
    }

    func testErrorsNameTheOffset() {
        XCTAssertThrowsError(try Expression.parse("inputs.kind = 'x'")) { e in
            XCTAssertEqual((e as! ExpressionError).offset, 12)
            XCTAssertTrue((e as! ExpressionError).message.contains("'=='"))
        }
        XCTAssertThrowsError(try Expression.parse("(inputs.kind")) { e in
            XCTAssertTrue((e as! ExpressionError).message.contains("missing ')'"))
        }
        XCTAssertThrowsError(try Expression.parse("'open")) { e in
            XCTAssertEqual((e as! ExpressionError).offset, 0)
        }
        XCTAssertThrowsError(try eval("inputs.kind < 3")) { e in
            XCTAssertTrue((e as! ExpressionError).message.contains("compares two numbers or two texts"))
        }
        XCTAssertThrowsError(try Expression.parse("inputs.kind").truth(in: scope)) { e in
            XCTAssertTrue((e as! ExpressionError).message.contains("must give true or false"))
        }
    }

    func testInterpolation() throws {
        XCTAssertEqual(try Interpolation(parsing: "${{ inputs.count }}").evaluate(in: scope), .int(3), "a lone expression keeps its type")
        XCTAssertEqual(try Interpolation(parsing: "案件 ${{ case.id }} (${{ inputs.count }})").evaluate(in: scope), .string("案件 2022-c1 (3)"))
        XCTAssertEqual(try Interpolation(parsing: "${{ '}}' }}").evaluate(in: scope), .string("}}"))
        XCTAssertTrue(try Interpolation(parsing: "plain").isLiteral)
        XCTAssertThrowsError(try Interpolation(parsing: "a ${{ inputs.kind")) { e in
            XCTAssertEqual((e as! ExpressionError).offset, 2)
        }
        XCTAssertThrowsError(try Interpolation(parsing: "${{ }}"))
    }
}
