import { afterAll } from 'vitest'
import { runFileCleanups } from '../helpers/cleanup.ts'

afterAll(runFileCleanups)
