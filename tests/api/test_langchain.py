from langchain_openai import ChatOpenAI


def test_langchain_invoke_and_stream(server) -> None:
    llm = ChatOpenAI(base_url=server.api, api_key="none", model="multiplex-mas", max_retries=0, temperature=0.2)
    message = llm.invoke("What makes a good teacher?")
    assert "**Confucian.**" in message.content
    pieces = [chunk.content for chunk in llm.stream("What makes a good teacher?")]
    assert len([p for p in pieces if p]) > 5
    assert "**Indigenous.**" in "".join(pieces)
