"""What the window learns: conversations, containment, topics, feedback and the 12345-style ticket figures,
from daily rollups of the conversation record and working-time figures of every ticket."""
